import AgentCheck
import FoundationEssentials

/// The check of a key and certificate already installed in a certificate folder (an installer's
/// re-run, a pair the Python agent's installer left): `check`'s certificate code on
/// `client.crt` / `client.key`, and the subject CN must be a safe orchestrator id. Changes nothing.
public enum InstalledPair {
    /// The installed pair's orchestrator id, its certificate's fingerprint and validity, and the
    /// warnings (expiry within `warnDays`).
    /// - Throws: ``EnrollError`` `installedUnusable` with every reason (another key, expired, not
    ///   chaining to `anchor` — nil: the system store —, no clientAuth, an unusable CN).
    public static func verify(certDirectory: String, anchor: String?, warnDays: Int) async throws(EnrollError)
        -> (id: String, certificate: CertificateSummary, warnings: [String])
    {
        let certPath = certDirectory + "/client.crt", keyPath = certDirectory + "/client.key"
        let caBundle = anchor ?? (FileManager.default.fileExists(atPath: Enrollment.systemBundle) ? Enrollment.systemBundle : nil)
        let findings = await ClientCertificateCheck.run(certPath: certPath, keyPath: keyPath, caBundle: caBundle, warnDays: warnDays)
        let failures = findings.filter { $0.status == CheckStatus.fail }.map(\.detail)
        guard failures.isEmpty else {
            var reason = failures.joined(separator: "; ")
            // A pair another installer left (the Python agent's) comes without a copy of its CA.
            if anchor == nil, failures.contains(where: { $0.contains("does not chain") }) {
                reason += ". It was checked against the system trust store: if the CA that issued it is not in it, give that CA with --issuer-ca"
            }
            throw EnrollError(.installedUnusable, reason)
        }
        let pem: String
        do { pem = try String(contentsOfFile: certPath, encoding: .utf8) } catch {
            throw EnrollError(.installedUnusable, "cannot read \(certPath) again: \(error)")
        }
        let leaf = try Enrollment.leafCertificate(pem)
        let cn = Enrollment.commonName(of: leaf) ?? ""
        guard EnrollmentAPI.isSafeIdentifier(cn) else {
            throw EnrollError(.installedUnusable, "its subject CN '\(cn.prefix(80))' is not an orchestrator id")
        }
        return (cn, try CertificateSummary(leaf), findings.filter { $0.status == CheckStatus.warn }.map(\.detail))
    }
}

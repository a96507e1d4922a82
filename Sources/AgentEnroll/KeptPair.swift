import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// An installer's re-run over an enrolled device (`orchestrator-agent enroll --keep-installed`):
/// a valid pair already in the certificate folder is kept — no request to the API, the same
/// orchestrator id — with the folder's and the files' owner and modes corrected where they differ
/// and the chain's anchor saved as `issuer-ca.pem` when there is no copy yet (a pair the Python
/// agent's installer left); an unusable or half pair stops the run; with no pair at all, the
/// caller enrols.
public enum KeptPair {
    /// What was kept.
    public struct Outcome: Sendable {
        /// The orchestrator id (the certificate's CN).
        public let id: String
        /// The certificate's fingerprint and validity.
        public let certificate: CertificateSummary
        /// Findings that do not stop the run (expiry within the warning window).
        public let warnings: [String]
        /// What was done, or with `dryRun` what would be (`would set … to 0600`).
        public let notes: [String]
    }

    /// Keeps the pair in `certDirectory` (see the type). `anchor`: the CA bundle it must chain to
    /// (nil: the saved `issuer-ca.pem`, else the system store; see ``Enrollment/anchor(issuerCA:caFile:certDirectory:)``).
    /// - Returns: nil when neither `client.key` nor `client.crt` is there (enrol).
    /// - Throws: ``EnrollError`` `installedUnusable` (one file of the two, or a pair that fails a
    ///   check), `local` (an owner, a mode or the CA copy cannot be set).
    public static func keep(
        certDirectory: String, anchor: String?, warnDays: Int, owner: (uid: uid_t, gid: gid_t)?, dryRun: Bool
    ) async throws(EnrollError) -> Outcome? {
        let files = CertFiles(directory: certDirectory, owner: owner)
        let hasKey = access(files.keyPath, F_OK) == 0, hasCert = access(files.certPath, F_OK) == 0
        guard hasKey || hasCert else { return nil }
        guard hasKey && hasCert else {
            throw EnrollError(.installedUnusable, "\(certDirectory) holds only one of client.key and client.crt")
        }
        let (id, certificate, warnings) = try await InstalledPair.verify(certDirectory: certDirectory, anchor: anchor, warnDays: warnDays)
        var notes: [String] = []
        if let anchor, anchor != files.issuerPath, access(files.issuerPath, F_OK) != 0 {
            if dryRun {
                notes.append("would write \(files.issuerPath) (mode 0644), a copy of \(anchor)")
            } else {
                let bytes: [UInt8]
                do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: anchor))) } catch {
                    throw EnrollError(.local, "cannot read the issuer CA '\(anchor)' to keep a copy: \(error)")
                }
                try files.installIssuer(bytes)
                notes.append("saved \(anchor) as \(files.issuerPath): later runs check the certificate against it")
            }
        }
        notes += try files.correctOwnersAndModes(dryRun: dryRun)
        return Outcome(id: id, certificate: certificate, warnings: warnings, notes: notes)
    }
}

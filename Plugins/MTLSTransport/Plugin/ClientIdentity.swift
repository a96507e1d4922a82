import AgentPluginKit
import FoundationEssentials
import NIOSSL

/// The agent's mTLS identity, read from disk for every new connection (so a renewed
/// certificate is used without a restart): the chain and key for TLS, plus the facts the agent
/// reports: its id (the certificate's CN, spec §1.3) and how long the certificate stays valid.
struct ClientIdentity: Sendable {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey
    /// The subject CN, or "UNKNOWN" (upstream's value) when there is none.
    let agentID: String
    let notBefore: Date
    let notAfter: Date

    /// Days until expiry, rounded down (negative once expired).
    func expiresInDays(now: Date = Date()) -> Int {
        Int((notAfter.timeIntervalSince(now) / 86_400).rounded(.down))
    }

    /// A warning to log and report, or nil when the certificate is comfortably valid.
    func validityWarning(now: Date = Date()) -> String? {
        if now < notBefore { return "client certificate is not valid yet (valid from \(notBefore))" }
        if now > notAfter { return "client certificate EXPIRED on \(notAfter); renew it (the cloud will refuse this agent)" }
        let days = expiresInDays(now: now)
        if days < 30 { return "client certificate expires in \(days) days (\(notAfter)); renew it" }
        return nil
    }

    /// Loads the PEM chain and key.
    /// - Throws: ``PluginError`` `cert_unreadable` / `cert_invalid` naming the file.
    static func load(certPath: String, keyPath: String) throws(PluginError) -> ClientIdentity {
        let pem: String
        switch FileText.read(certPath) {
        case .text(let text): pem = text
        case .unreadable(let reason):
            throw PluginError(status: 6, code: "cert_unreadable", message: "cannot read the client certificate '\(certPath)': \(reason)")
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw PluginError(status: 6, code: "cert_invalid", message: "cannot load '\(certPath)' / '\(keyPath)': \(error)")
        }
        guard !chain.isEmpty else {
            throw PluginError(status: 6, code: "cert_invalid", message: "'\(certPath)' holds no certificate")
        }
        // The leaf is the first certificate of the file (intermediates may follow).
        let leaf = chain[0]
        let cn = leaf.subjectName.last { $0.type == .commonName }?.value
        return ClientIdentity(
            chain: chain, key: key, agentID: cn ?? "UNKNOWN",
            notBefore: Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore)),
            notAfter: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)))
    }
}

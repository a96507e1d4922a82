import AgentPluginKit
import FoundationEssentials
import NIOSSL
import SocketIOCore

/// The TLS client context for one connection attempt (docs/security.md, "Trust"):
///
/// - TLS 1.2 or newer, the client certificate chain and key presented (mTLS);
/// - the server certificate verified against `cloud.ca_bundle` **only** when it is set, else
///   against the system trust store (`/etc/ssl/certs`, as the Python agent does: the real cloud
///   has a public certificate);
/// - a host name verified by NIOSSL against the certificate's DNS names; for an IP literal the
///   name check is off here and ``CloudConnector`` checks the IP entries in the handshake instead.
enum TLSSetup {
    /// - Throws: ``PluginError`` `ca_bundle_invalid` when the pinned bundle cannot be loaded,
    ///   `tls_failed` for any other context error.
    static func context(_ settings: TransportSettings, _ identity: ClientIdentity) throws(PluginError) -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = settings.host.addressBytes == nil ? .fullVerification : .noHostnameVerification
        tls.certificateChain = identity.chain.map { .certificate($0) }
        tls.privateKey = .privateKey(identity.key)
        if let ca = settings.caBundle {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(ca) } catch {
                throw PluginError(
                    status: 6, code: "ca_bundle_invalid", message: "cannot load cloud.ca_bundle '\(ca)': \(error)", field: "cloud.ca_bundle")
            }
            guard !roots.isEmpty else {
                throw PluginError(status: 6, code: "ca_bundle_invalid", message: "cloud.ca_bundle '\(ca)' holds no certificate", field: "cloud.ca_bundle")
            }
            tls.trustRoots = .certificates(roots)
        } else {
            tls.trustRoots = .default
        }
        do { return try NIOSSLContext(configuration: tls) } catch { throw LinkFailure.tls(error) }
    }
}

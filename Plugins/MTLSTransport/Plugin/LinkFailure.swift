import AgentJSON
import AgentPluginKit
import CAgentABI

/// The typed failures of reaching the cloud, as ``PluginError``s with stable codes. They appear
/// in the log (`connection attempt failed: <code>: …`), in the transport's `status`
/// (`last_error`, `last_error_code`) and in docs/troubleshooting.md.
enum LinkFailure {
    private static let unavailable = Int32(AGENT_E_IO)

    /// TCP to the cloud (or to the proxy) failed: refused, unreachable, name not resolved.
    static func connectFailed(_ target: String, _ cause: any Error) -> PluginError {
        PluginError(status: unavailable, code: "connect_failed", message: "cannot connect to \(target): \(cause)")
    }

    /// Connecting, the proxy tunnel, TLS or the Engine.IO handshake took longer than allowed.
    static func timeout(_ what: String) -> PluginError {
        PluginError(status: Int32(AGENT_E_TIMEOUT), code: "connect_timeout", message: "\(what) did not finish in time")
    }

    /// The proxy answered the CONNECT with something other than 2xx (407 has its own code).
    static func proxyRefused(_ proxy: String, status: Int?, _ detail: String) -> PluginError {
        let what = status.map { "HTTP \($0)" } ?? detail
        return PluginError(
            status: unavailable, code: "proxy_refused",
            message: "the proxy \(proxy) refused to open a tunnel to the cloud: \(what)",
            details: status.map { ["http_status": .number(Double($0))] })
    }

    /// The proxy wants credentials (HTTP 407, or 401 from some proxies), or refused the ones given.
    static func proxyAuth(_ proxy: String, sent: Bool) -> PluginError {
        PluginError(
            status: unavailable, code: "proxy_auth_required",
            message: sent
                ? "the proxy \(proxy) refused the credentials given (cloud.proxy_credentials_file or the proxy URL)"
                : "the proxy \(proxy) requires credentials: set cloud.proxy_credentials_file")
    }

    /// The proxy credentials file cannot be read or is not `user:password`.
    static func proxyCredentials(_ path: String, _ why: String) -> PluginError {
        PluginError(status: Int32(AGENT_E_INVALID_ARGUMENT), code: "proxy_credentials_invalid", message: "proxy credentials '\(path)': \(why)")
    }

    /// The TLS handshake failed: unknown CA, expired certificate, wrong host name, client
    /// certificate refused by the cloud.
    static func tls(_ cause: any Error) -> PluginError {
        PluginError(status: unavailable, code: "tls_failed", message: "TLS handshake with the cloud failed: \(cause)")
    }

    /// The cloud is addressed by IP and its certificate names no such IP address.
    static func sanMismatch(_ ip: String, names: [String]) -> PluginError {
        PluginError(
            status: unavailable, code: "san_mismatch",
            message: "the cloud's certificate does not name the IP address \(ip) (it names: "
                + (names.isEmpty ? "no IP address" : names.joined(separator: ", "))
                + "); use a host name the certificate carries, or a certificate with IP:\(ip) in its subjectAltName")
    }

    /// The server did not switch to WebSocket (an Origin policy, a transport list without
    /// websocket, a proxy or load balancer that strips the upgrade).
    static func upgradeRefused(status: Int?, _ detail: String) -> PluginError {
        PluginError(
            status: unavailable, code: "upgrade_refused",
            message: "the cloud refused the WebSocket upgrade (\(status.map { "HTTP \($0)" } ?? detail))",
            details: status.map { ["http_status": .number(Double($0))] })
    }

    /// A long-polling request was answered with an error status or an unusable body.
    static func polling(_ what: String) -> PluginError {
        PluginError(status: unavailable, code: "polling_failed", message: "Engine.IO long-polling failed: \(what)")
    }

    /// The first Engine.IO packet was not a valid open packet.
    static func badHandshake(_ what: String) -> PluginError {
        PluginError(status: unavailable, code: "bad_handshake", message: "the cloud's Engine.IO handshake is unusable: \(what)")
    }

    /// The connection closed under a request.
    static func closed(_ what: String) -> PluginError {
        PluginError(status: unavailable, code: "link_closed", message: what)
    }
}

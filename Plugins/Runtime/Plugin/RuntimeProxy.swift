import AgentJSON
import HTTP1Client
import NIOCore
import NIOSSL
import RuntimeModel

/// `run_command`: one HTTP request to the vPLC's own runtime over its internal bridge. The host
/// is always the vPLC's internal address (never taken from the message), so the proxy cannot
/// reach anything else. The runtime's certificate is self-signed and generated on its first
/// start, so https is encrypted but not authenticated (documented in docs/security.md).
struct RuntimeProxy: Sendable {
    let tlsContext: NIOSSLContext?

    init() {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .none
        // handled: without a context every https request answers `proxy_tls_unavailable` (send below)
        tlsContext = try? NIOSSLContext(configuration: config)
    }

    /// Sends `request` to `address`; answers the upstream-shaped result (`source` = runtime or proxy).
    func send(_ request: ProxyRequest, to address: String) async -> JSONObject {
        var hook: HTTP1Client.ChannelHook? = nil
        if request.scheme == .https {
            guard let ctx = tlsContext else {
                return ProxyResponse.proxyFailure(code: "proxy_tls_unavailable", message: "TLS could not be initialised")
            }
            hook = { channel in
                let handler = try NIOSSLClientHandler(context: ctx, serverHostname: nil)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
        let client = HTTP1Client(target: .tcp(host: address, port: request.port), tls: hook)
        var headers = HTTP1Headers(request.headers)
        headers.replaceOrAdd(name: "Host", value: "\(address):\(request.port)")
        let wire = HTTP1Request(
            method: request.method, target: request.target, headers: headers,
            body: request.body.isEmpty ? .none : .bytes(request.body))
        do {
            let r = try await client.send(wire, timeout: .milliseconds(request.timeoutMilliseconds), maxBody: 8 << 20)
            return ProxyResponse.fromRuntime(status: r.status, headers: r.headers.fields.map { ($0.name, $0.value) }, body: r.body)
        } catch {
            let code: String
            switch error.code {
            case .timeout: code = "proxy_timeout"
            case .connectFailed: code = "proxy_connect_failed"
            case .bodyTooLarge: code = "proxy_body_too_large"
            case .cancelled: code = "proxy_cancelled"
            default: code = "proxy_bad_response"
            }
            return ProxyResponse.proxyFailure(
                code: code, message: "\(request.scheme.rawValue)://\(address):\(request.port): \(error.message)")
        }
    }
}

import AgentJSON
import AgentPluginKit
import FoundationEssentials
import SocketIOCore

/// The transport's settings: the site config's `cloud` section (docs/configuration.md).
///
/// ```json
/// "cloud": { "host": "api.example.com", "port": 3001, "cert_dir": "~/.mtls",
///            "cert_file": "client.crt", "key_file": "client.key", "ca_bundle": "/etc/…/ca.pem",
///            "queue_limit": 1000, "transport": "websocket", "reconnect": "slots",
///            "proxy": "http://proxy.plant:3128", "proxy_credentials_file": "/etc/…/proxy.cred",
///            "no_proxy": "cloud.plant.local", "connect_timeout_ms": 10000 }
/// ```
struct TransportSettings: Sendable, Equatable {
    /// How the Engine.IO session is carried.
    enum Mode: String, Sendable, CaseIterable {
        /// Straight to WebSocket; when the upgrade is refused, long-polling for that connection.
        case websocket
        /// Long-polling only.
        case polling
        /// Long-polling first, then an upgrade to WebSocket when the server offers it (what the
        /// Python agent's client does); polling stays when the upgrade fails.
        case pollingUpgrade = "polling_upgrade"
    }

    var host: CloudHost
    var port: Int
    var certPath: String
    var keyPath: String
    /// A pinned CA bundle; nil = the system trust store.
    var caBundle: String?
    var path: String
    var queueLimit: Int
    var mode: Mode
    var reconnect: ReconnectPolicy.Schedule
    /// The proxy for this cloud, after `cloud.proxy`, `HTTPS_PROXY` and the no-proxy list.
    var proxy: ProxyURL?
    var proxyCredentialsFile: String?
    var connectTimeoutMilliseconds: Int

    /// The Engine.IO WebSocket URL (for logs and `status`).
    var url: String {
        let scheme = mode == .websocket ? "wss" : "https"
        let transport = mode == .websocket ? "websocket" : "polling"
        return "\(scheme)://\(host.urlHost):\(port)\(path)?EIO=4&transport=\(transport)"
    }

    /// Reads the `cloud` section.
    /// - Parameters:
    ///   - environment: for `HTTPS_PROXY`/`https_proxy` and `NO_PROXY`/`no_proxy` (used when the
    ///     section has no `proxy` / `no_proxy`).
    /// - Throws: ``PluginError`` `bad_config` naming the field.
    static func parse(
        _ cloud: JSONObject, home: String? = ProcessInfo.processInfo.environment["HOME"],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PluginError) -> TransportSettings {
        func string(_ key: String, allowEmpty: Bool = false) throws(PluginError) -> String? {
            guard let v = cloud[key] else { return nil }
            guard let s = v.stringValue, allowEmpty || !s.isEmpty else {
                throw PluginError(code: "bad_config", message: "cloud.\(key) must be a non-empty string", field: "cloud.\(key)")
            }
            return s
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(PluginError) -> Int? {
            guard let v = cloud[key] else { return nil }
            guard let n = v.numberValue, n == n.rounded(), range.contains(Int(n)) else {
                throw PluginError(
                    code: "bad_config", message: "cloud.\(key) must be a whole number in \(range)", field: "cloud.\(key)")
            }
            return Int(n)
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws(PluginError) -> T where T.RawValue == String {
            guard let s = try string(key) else { return fallback }
            guard let v = T(rawValue: s) else {
                let names = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw PluginError(code: "bad_config", message: "cloud.\(key) must be one of \(names)", field: "cloud.\(key)")
            }
            return v
        }
        guard let hostText = try string("host") else {
            throw PluginError(
                code: "bad_config", message: "cloud.host is required (the cloud's host name or IP address)", field: "cloud.host")
        }
        let host = CloudHost(hostText)
        if case .name(let n) = host, n.contains(where: { $0 == "/" || $0 == ":" || $0 == " " || $0 == "[" }) {
            throw PluginError(
                code: "bad_config", message: "cloud.host must be a host name or an IP address, without scheme or port", field: "cloud.host")
        }
        let certDir = expand(try string("cert_dir") ?? "~/.mtls", home: home)
        func inDir(_ name: String) -> String { name.hasPrefix("/") ? name : certDir + "/" + name }
        var path = try string("path") ?? "/socket.io/"
        if !path.hasSuffix("/") { path += "/" }
        return TransportSettings(
            host: host,
            port: try int("port", 1...65535) ?? 3001,
            certPath: inDir(try string("cert_file") ?? "client.crt"),
            keyPath: inDir(try string("key_file") ?? "client.key"),
            caBundle: try string("ca_bundle").map { expand($0, home: home) },
            path: path,
            queueLimit: try int("queue_limit", 1...1_000_000) ?? 1000,
            mode: try choice("transport", Mode.websocket),
            reconnect: try choice("reconnect", ReconnectPolicy.Schedule.slots),
            proxy: try proxy(for: host, configured: try string("proxy", allowEmpty: true),
                             noProxy: try string("no_proxy", allowEmpty: true), environment: environment),
            proxyCredentialsFile: try string("proxy_credentials_file").map { expand($0, home: home) },
            connectTimeoutMilliseconds: try int("connect_timeout_ms", 100...300_000) ?? 10_000)
    }

    /// The proxy to use: `cloud.proxy` when present (`""` means none, whatever the environment),
    /// else `HTTPS_PROXY` / `https_proxy`; none when the host is on the no-proxy list
    /// (`cloud.no_proxy`, else `NO_PROXY` / `no_proxy`).
    private static func proxy(
        for host: CloudHost, configured: String?, noProxy: String?, environment: [String: String]
    ) throws(PluginError) -> ProxyURL? {
        let fromEnv = configured == nil
        guard let text = configured ?? environment["HTTPS_PROXY"] ?? environment["https_proxy"], !text.isEmpty else { return nil }
        guard let url = ProxyURL(text) else {
            let origin = fromEnv ? "HTTPS_PROXY" : "cloud.proxy"
            throw PluginError(
                code: "bad_config", message: "\(origin) must be an http:// proxy URL such as http://proxy.plant:3128",
                field: fromEnv ? nil : "cloud.proxy")
        }
        let bypass = NoProxyList(noProxy ?? environment["NO_PROXY"] ?? environment["no_proxy"] ?? "")
        return bypass.bypasses(host) ? nil : url
    }

    private static func expand(_ path: String, home: String?) -> String {
        guard path.hasPrefix("~"), let home else { return path }
        return home + path.dropFirst()
    }
}

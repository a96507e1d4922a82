import AgentJSON
import AgentPluginKit
import Foundation

/// The transport's settings: the site config's `cloud` section (docs/cloud-protocol.md).
///
/// ```json
/// "cloud": { "host": "api.example.com", "port": 3001, "cert_dir": "~/.mtls",
///            "cert_file": "client.crt", "key_file": "client.key", "ca_bundle": "/etc/…/ca.pem",
///            "queue_limit": 1000 }
/// ```
struct TransportSettings: Sendable, Equatable {
    var host: String
    var port: Int
    var certPath: String
    var keyPath: String
    /// A pinned CA bundle; nil = the system trust store.
    var caBundle: String?
    var path: String
    var queueLimit: Int

    /// The Engine.IO WebSocket URL.
    var url: String {
        let h = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "wss://\(h):\(port)\(path)?EIO=4&transport=websocket"
    }

    static func parse(_ cloud: JSONObject, home: String? = ProcessInfo.processInfo.environment["HOME"])
        throws(PluginError) -> TransportSettings
    {
        func string(_ key: String) throws(PluginError) -> String? {
            guard let v = cloud[key] else { return nil }
            guard let s = v.stringValue, !s.isEmpty else {
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
        guard let host = try string("host") else {
            throw PluginError(code: "bad_config", message: "cloud.host is required (the cloud's host name)", field: "cloud.host")
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
            queueLimit: try int("queue_limit", 1...1_000_000) ?? 1000)
    }

    private static func expand(_ path: String, home: String?) -> String {
        guard path.hasPrefix("~"), let home else { return path }
        return home + path.dropFirst()
    }
}

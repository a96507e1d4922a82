import AgentCore
import AgentJSON
import FoundationEssentials

/// The site config's `cloud` section as the mTLS transport reads it (the same keys, defaults and
/// `~` expansion as `TransportSettings.parse` in Plugins/MTLSTransport; AgentCheck never imports
/// a plugin): where the client certificate, its key and the pinned CA bundle are.
struct CloudFiles: Sendable {
    var host: String
    var port: Int
    var certPath: String
    var keyPath: String
    /// `cloud.ca_bundle`; nil = the system trust store verifies the cloud.
    var caBundle: String?

    /// The cloud section of `config`, or nil when there is none.
    /// - Throws: ``CheckError`` `invalid` naming the key (`cloud.port must be …`).
    static func from(_ config: SiteConfig, home: String? = ProcessInfo.processInfo.environment["HOME"])
        throws(CheckError) -> CloudFiles?
    {
        guard let value = config.value(at: "cloud") else { return nil }
        guard let cloud = value.objectValue else { throw CheckError(.invalid, "'cloud' must be an object") }
        func string(_ key: String) throws(CheckError) -> String? {
            guard let v = cloud[key] else { return nil }
            guard let s = v.stringValue, !s.isEmpty else {
                throw CheckError(.invalid, "'cloud.\(key)' must be a non-empty string")
            }
            return s
        }
        guard let host = try string("host") else { throw CheckError(.invalid, "'cloud.host' is required (the cloud's host name)") }
        var port = 3001
        if let p = cloud["port"] {
            guard let n = p.numberValue, n == n.rounded(), (1...65535).contains(n) else {
                throw CheckError(.invalid, "'cloud.port' must be a whole number in 1...65535")
            }
            port = Int(n)
        }
        func expand(_ path: String) -> String {
            guard path.hasPrefix("~"), let home else { return path }
            return home + path.dropFirst()
        }
        let certDir = expand(try string("cert_dir") ?? "~/.mtls")
        func inDir(_ name: String) -> String { name.hasPrefix("/") ? name : certDir + "/" + name }
        return CloudFiles(
            host: host, port: port,
            certPath: inDir(try string("cert_file") ?? "client.crt"),
            keyPath: inDir(try string("key_file") ?? "client.key"),
            caBundle: try string("ca_bundle").map(expand))
    }
}

import AgentJSON

/// Reads a driver plugin's `config` object (the plugin entry's): the settings every engine's
/// driver takes alike, each failing with `bad_config` naming the key (`config.call_timeout_ms`).
public struct EngineConfig: Sendable {
    /// The plugin entry's `config`.
    public let config: JSONObject

    public init(_ config: JSONObject) { self.config = config }

    /// A `bad_config` error for `config.<key>`.
    public func failure(_ key: String, _ message: String) -> ContainerEngineError {
        ContainerEngineError(.badConfig, "config.\(key) \(message)", field: "config.\(key)")
    }

    /// The socket path: `config.socket` first, then the engine's environment variable, then
    /// `defaultPath`. Each may be a plain path or a `unix://` URL.
    /// - Throws: `bad_config` when `socket` is not a string, or for any other scheme (`tcp://`,
    ///   `ssh://`, …): only unix sockets are supported, since the engine's API over TCP without TLS
    ///   would hand root to the network.
    public func socketPath(environment name: String, _ value: String?, defaultPath: String) throws(ContainerEngineError) -> String {
        let socket = config["socket"]
        guard socket == nil || socket?.stringValue != nil else { throw failure("socket", "must be a string") }
        return try Self.socketPath(configured: socket?.stringValue, environment: name, value, defaultPath: defaultPath)
    }

    /// The socket path from a configured one, the engine's environment variable, or the default
    /// (see ``socketPath(environment:_:defaultPath:)``).
    public static func socketPath(
        configured: String?, environment name: String, _ value: String?, defaultPath: String
    ) throws(ContainerEngineError) -> String {
        if let configured, !configured.isEmpty { return try unixPath(configured, source: "config.socket") }
        if let value, !value.isEmpty { return try unixPath(value, source: name) }
        return defaultPath
    }

    /// `key` as a whole number of milliseconds from 1 to 86 400 000, or `value` when absent.
    public func milliseconds(_ key: String, default value: Int) throws(ContainerEngineError) -> Duration {
        guard let v = config[key] else { return .milliseconds(value) }
        guard let n = v.numberValue, n == n.rounded(), n >= 1, n <= 86_400_000 else {
            throw failure(key, "must be a whole number of milliseconds from 1 to 86400000")
        }
        return .milliseconds(Int(n))
    }

    private static func unixPath(_ value: String, source: String) throws(ContainerEngineError) -> String {
        if value.hasPrefix("unix://") {
            let p = String(value.dropFirst("unix://".count))
            guard p.hasPrefix("/") else {
                throw ContainerEngineError(.badConfig, "\(source) '\(value)' must name an absolute socket path", field: source)
            }
            return p
        }
        if value.hasPrefix("/") { return value }
        throw ContainerEngineError(.badConfig, "\(source) '\(value)' is not supported: only unix sockets (unix:///path) are", field: source)
    }
}

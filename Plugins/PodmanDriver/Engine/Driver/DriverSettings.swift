import AgentJSON

/// The driver's configuration (the plugin entry's `config` object).
public struct DriverSettings: Sendable, Equatable {
    /// The Podman service's socket path.
    public var socketPath: String
    /// Default timeout of a call (`call_timeout_ms`, default 30 000).
    public var callTimeout: Duration
    /// Default timeout of `image.pull` and `image.import` (`pull_timeout_ms`, default 600 000).
    public var pullTimeout: Duration

    public init(socketPath: String = PodmanSocket.defaultPath, callTimeout: Duration = .seconds(30), pullTimeout: Duration = .seconds(600)) {
        self.socketPath = socketPath
        self.callTimeout = callTimeout
        self.pullTimeout = pullTimeout
    }

    /// Reads `socket`, `call_timeout_ms`, `pull_timeout_ms` from `config`; the socket falls back
    /// to `containerHost` (the `CONTAINER_HOST` environment variable), then the default.
    /// - Throws: `bad_config` naming the key (`config.call_timeout_ms`).
    public init(config: JSONObject, containerHost: String?) throws(PodmanEngineError) {
        func fail(_ key: String, _ message: String) -> PodmanEngineError {
            PodmanEngineError(.badConfig, "config.\(key) \(message)", field: "config.\(key)")
        }
        let socket = config["socket"]
        guard socket == nil || socket?.stringValue != nil else { throw fail("socket", "must be a string") }
        socketPath = try PodmanSocket.resolve(configured: socket?.stringValue, containerHost: containerHost)
        func milliseconds(_ key: String, default value: Int) throws(PodmanEngineError) -> Duration {
            guard let v = config[key] else { return .milliseconds(value) }
            guard let n = v.numberValue, n == n.rounded(), n >= 1, n <= 86_400_000 else {
                throw fail(key, "must be a whole number of milliseconds from 1 to 86400000")
            }
            return .milliseconds(Int(n))
        }
        callTimeout = try milliseconds("call_timeout_ms", default: 30_000)
        pullTimeout = try milliseconds("pull_timeout_ms", default: 600_000)
    }
}

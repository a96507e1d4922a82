import ContainerEngineSupport
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
        let reader = EngineConfig(config)
        socketPath = try reader.socketPath(environment: "CONTAINER_HOST", containerHost, defaultPath: PodmanSocket.defaultPath)
        callTimeout = try reader.milliseconds("call_timeout_ms", default: 30_000)
        pullTimeout = try reader.milliseconds("pull_timeout_ms", default: 600_000)
    }
}

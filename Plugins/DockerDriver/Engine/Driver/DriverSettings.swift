import ContainerEngineSupport
import AgentJSON

/// The driver's configuration (the plugin entry's `config` object).
public struct DriverSettings: Sendable, Equatable {
    /// The Engine API socket path.
    public var socketPath: String
    /// Forces an API version instead of negotiating (`api_version`, e.g. `"1.41"`).
    public var apiVersion: APIVersion?
    /// Default timeout of a call (`call_timeout_ms`, default 30 000).
    public var callTimeout: Duration
    /// Default timeout of `image.pull` and `image.import` (`pull_timeout_ms`, default 600 000).
    public var pullTimeout: Duration

    public init(
        socketPath: String = DockerSocket.defaultPath, apiVersion: APIVersion? = nil, callTimeout: Duration = .seconds(30),
        pullTimeout: Duration = .seconds(600)
    ) {
        self.socketPath = socketPath
        self.apiVersion = apiVersion
        self.callTimeout = callTimeout
        self.pullTimeout = pullTimeout
    }

    /// Reads `socket`, `api_version`, `call_timeout_ms`, `pull_timeout_ms` from `config`;
    /// the socket falls back to `dockerHost` (the `DOCKER_HOST` environment variable), then the
    /// default.
    /// - Throws: `bad_config` naming the key (`config.call_timeout_ms`).
    public init(config: JSONObject, dockerHost: String?) throws(DockerEngineError) {
        let reader = EngineConfig(config)
        socketPath = try reader.socketPath(environment: "DOCKER_HOST", dockerHost, defaultPath: DockerSocket.defaultPath)
        if let v = config["api_version"] {
            guard let text = v.stringValue, let version = APIVersion(text) else {
                throw reader.failure("api_version", "must be a string like \"1.41\"")
            }
            apiVersion = version
        } else {
            apiVersion = nil
        }
        callTimeout = try reader.milliseconds("call_timeout_ms", default: 30_000)
        pullTimeout = try reader.milliseconds("pull_timeout_ms", default: 600_000)
    }
}

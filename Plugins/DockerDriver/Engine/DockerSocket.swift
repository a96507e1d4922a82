import ContainerEngineSupport

/// Where the Docker Engine's API socket is.
public enum DockerSocket {
    /// The socket when nothing says otherwise.
    public static let defaultPath = "/var/run/docker.sock"

    /// Picks the socket path: the plugin config's `socket` first, then `DOCKER_HOST`, then
    /// ``defaultPath``. Both may be a plain path or a `unix://` URL.
    /// - Throws: `bad_config` for any other scheme (`tcp://`, `ssh://`, …): only unix sockets are
    ///   supported, since the Engine API over TCP without TLS would hand root to the network.
    public static func resolve(configured: String?, dockerHost: String?) throws(DockerEngineError) -> String {
        try EngineConfig.socketPath(configured: configured, environment: "DOCKER_HOST", dockerHost, defaultPath: defaultPath)
    }
}

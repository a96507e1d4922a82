/// Where the Docker Engine's API socket is.
public enum DockerSocket {
    /// The socket when nothing says otherwise.
    public static let defaultPath = "/var/run/docker.sock"

    /// Picks the socket path: the plugin config's `socket` first, then `DOCKER_HOST`, then
    /// ``defaultPath``. Both may be a plain path or a `unix://` URL.
    /// - Throws: `bad_config` for any other scheme (`tcp://`, `ssh://`, …): only unix sockets are
    ///   supported, since the Engine API over TCP without TLS would hand root to the network.
    public static func resolve(configured: String?, dockerHost: String?) throws(DockerEngineError) -> String {
        if let configured, !configured.isEmpty { return try path(configured, source: "config.socket") }
        if let dockerHost, !dockerHost.isEmpty { return try path(dockerHost, source: "DOCKER_HOST") }
        return defaultPath
    }

    private static func path(_ value: String, source: String) throws(DockerEngineError) -> String {
        if value.hasPrefix("unix://") {
            let p = String(value.dropFirst("unix://".count))
            guard p.hasPrefix("/") else {
                throw DockerEngineError(.badConfig, "\(source) '\(value)' must name an absolute socket path", field: source)
            }
            return p
        }
        if value.hasPrefix("/") { return value }
        throw DockerEngineError(
            .badConfig, "\(source) '\(value)' is not supported: only unix sockets (unix:///path) are", field: source)
    }
}

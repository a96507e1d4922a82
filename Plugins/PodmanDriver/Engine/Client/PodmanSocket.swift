/// Where the Podman service's API socket is.
public enum PodmanSocket {
    /// The rootful service's socket when nothing says otherwise (`podman.socket`'s).
    public static let defaultPath = "/run/podman/podman.sock"

    /// Picks the socket path: the plugin config's `socket` first, then `CONTAINER_HOST` (Podman's
    /// own variable), then ``defaultPath``. Both may be a plain path or a `unix://` URL.
    /// - Throws: `bad_config` for any other scheme (`tcp://`, `ssh://`): the API over TCP
    ///   without TLS would hand root to the network.
    public static func resolve(configured: String?, containerHost: String?) throws(PodmanEngineError) -> String {
        if let configured, !configured.isEmpty { return try path(configured, source: "config.socket") }
        if let containerHost, !containerHost.isEmpty { return try path(containerHost, source: "CONTAINER_HOST") }
        return defaultPath
    }

    private static func path(_ value: String, source: String) throws(PodmanEngineError) -> String {
        if value.hasPrefix("unix://") {
            let p = String(value.dropFirst("unix://".count))
            guard p.hasPrefix("/") else {
                throw PodmanEngineError(.badConfig, "\(source) '\(value)' must name an absolute socket path", field: source)
            }
            return p
        }
        if value.hasPrefix("/") { return value }
        throw PodmanEngineError(.badConfig, "\(source) '\(value)' is not supported: only unix sockets (unix:///path) are", field: source)
    }
}

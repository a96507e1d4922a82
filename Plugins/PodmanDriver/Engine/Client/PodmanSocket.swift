import ContainerEngineSupport

/// Where the Podman service's API socket is.
public enum PodmanSocket {
    /// The rootful service's socket when nothing says otherwise (`podman.socket`'s).
    public static let defaultPath = "/run/podman/podman.sock"

    /// Picks the socket path: the plugin config's `socket` first, then `CONTAINER_HOST` (Podman's
    /// own variable), then ``defaultPath``. Both may be a plain path or a `unix://` URL.
    /// - Throws: `bad_config` for any other scheme (`tcp://`, `ssh://`): the API over TCP
    ///   without TLS would hand root to the network.
    public static func resolve(configured: String?, containerHost: String?) throws(PodmanEngineError) -> String {
        try EngineConfig.socketPath(configured: configured, environment: "CONTAINER_HOST", containerHost, defaultPath: defaultPath)
    }
}

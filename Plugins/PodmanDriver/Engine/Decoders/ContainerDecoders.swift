import ContainerEngineSupport
import AgentJSON

/// libpod container JSON → the normalized shapes of docs/container-driver.md, in Docker's
/// spelling where the two differ (capabilities without `CAP_`, ulimit names without `RLIMIT_`
/// and in lower case, image ids with `sha256:`), so consumers see one vocabulary.
public enum ContainerDecoders {
    /// `GET /libpod/containers/{id}/json` → the `container.inspect` result.
    public static func inspect(_ podman: JSONValue) throws(PodmanEngineError) -> JSONObject {
        try EngineDialect.podman.inspect(podman)
    }

    /// A container's or an image's `Config` → `{cmd, entrypoint, env, user, working_dir}`
    /// (``EngineDialect/processConfig(_:)``; Podman writes an unset entrypoint as `""`).
    static func processConfig(_ config: JSONObject) -> JSONValue { EngineDialect.podman.processConfig(config) }

    /// `GET /libpod/containers/json` → the `container.list` result. `networks` names every
    /// network the container is configured on, whatever its state; `status` is the state
    /// (libpod's list has no Docker-style status text).
    public static func list(_ podman: JSONValue) throws(PodmanEngineError) -> [JSONValue] {
        try EngineDialect.podman.objects(podman, what: "container list").map { c throws(PodmanEngineError) -> JSONValue in
            try EngineDialect.podman.listEntry(c, networks: c.strings("Networks"), status: c.optionalString("Status") ?? c.string("State"))
        }
    }

    /// A bare image id → `sha256:<id>`.
    static func imageID(_ id: String) -> String { EngineDialect.podman.imageID(id) }
}

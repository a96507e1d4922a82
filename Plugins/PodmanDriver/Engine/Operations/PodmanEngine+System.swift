import ContainerEngineSupport
import AgentJSON

extension PodmanEngine {
    /// `engine.version`: libpod's `GET /version` → `{api_version, engine_api_version,
    /// engine_version, min_api_version, os, arch}` (`api_version` is the libpod path version
    /// the driver speaks, `4.0.0`).
    public func version(timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let o = try EngineDialect.podman.object(try await callJSON("GET", "/version", timeout: timeout), what: "version")
        // The libpod API version is the Podman Engine component's; the top level is the compat one.
        let podman = o.array("Components").compactMap(\.objectValue).first { $0.string("Name") == "Podman Engine" }
        let libpod = podman?.object("Details").optionalString("APIVersion") ?? o.string("ApiVersion")
        return [
            "api_version": "4.0.0", "engine_api_version": .string(libpod), "engine_version": .string(o.string("Version")),
            "min_api_version": .string(o.string("MinAPIVersion")), "os": .string(o.string("Os")), "arch": .string(o.string("Arch")),
        ]
    }

    /// `engine.ping`: libpod's `GET /_ping`.
    public func ping(timeout: Duration) async throws(PodmanEngineError) {
        _ = try await call("GET", "/_ping", timeout: timeout)
    }
}

import ContainerEngineSupport
import AgentJSON
import HTTP1Client

extension DockerEngine {
    /// `engine.version`: asks the engine again (and records the negotiated version).
    /// - Returns: `{api_version, engine_api_version, engine_version, min_api_version, os, arch}`.
    public func version(timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        try await engineInfo(timeout: timeout).json
    }

    /// `engine.ping`: `GET /_ping` (unversioned).
    public func ping(timeout: Duration) async throws(DockerEngineError) {
        let r = try await send("GET", "/_ping", timeout: timeout)
        guard r.head.isSuccess else { throw EngineDialect.docker.failure(status: r.status, body: r.body) }
    }
}

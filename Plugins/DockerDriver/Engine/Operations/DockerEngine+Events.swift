import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension DockerEngine {
    /// Opens `GET /events` with `filter` and returns once the engine answered the head (Docker
    /// sends it at once). The stream has no end of its own; see ``DockerEventStream``.
    /// - Parameter timeout: for connecting and the head only.
    /// - Throws: the engine's error for a refused filter; transport errors.
    public func events(_ filter: EventFilter, timeout: Duration) async throws(DockerEngineError) -> DockerEventStream {
        let deadline = Deadline(after: timeout)
        let version = try await apiVersion(timeout: try deadline.remaining())
        var query: [(String, String)] = []
        if let f = filter.queryValue { query.append(("filters", f)) }
        let request = HTTP1Request(
            method: "GET", target: version.pathPrefix + "/events" + URLEncoding.query(query), headers: ["Accept": "application/json"])
        let left = try deadline.remaining()
        let response: HTTP1StreamingResponse
        do {
            response = try await http.stream(request, headTimeout: left)
        } catch {
            throw EngineDialect.docker.failure(error)
        }
        guard response.head.isSuccess else {
            // harmless: without the error body the status alone still gives the typed error
            let body = (try? await response.collect(maxBody: 1 << 20)) ?? []
            throw EngineDialect.docker.failure(status: response.head.status, body: body)
        }
        return DockerEventStream(body: response.body)
    }
}

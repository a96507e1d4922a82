import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension DockerEngine {
    /// `network.create`. - Returns: the new network's id.
    public func createNetwork(_ spec: NetworkSpec, timeout: Duration) async throws(DockerEngineError) -> String {
        let json = try await callJSON("POST", "/networks/create", json: spec.createBody, expecting: [200, 201], timeout: timeout)
        return try EngineDialect.docker.requiredString("Id", in: try EngineDialect.docker.object(json, what: "network create answer"), what: "network")
    }

    /// `network.inspect` (normalized, see ``NetworkDecoders/inspect(_:)``).
    public func inspectNetwork(_ id: String, timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        try NetworkDecoders.inspect(try await callJSON("GET", "/networks/\(URLEncoding.segment(id))", timeout: timeout))
    }

    /// `network.list`: networks carrying every label in `labels` (`key=value` or `key`) and, if
    /// given, using `driver`.
    public func listNetworks(labels: [String], driver: String?, timeout: Duration) async throws(DockerEngineError) -> [JSONValue] {
        var filters = JSONObject()
        if !labels.isEmpty { filters["label"] = .array(labels.map(JSONValue.string)) }
        if let driver { filters["driver"] = [.string(driver)] }
        let query = filters.count == 0 ? [] : [("filters", JSONWriter.string(.object(filters)))]
        return try NetworkDecoders.list(try await callJSON("GET", "/networks", query: query, timeout: timeout))
    }

    /// `network.remove`. - Returns: false when there was no such network.
    public func removeNetwork(_ id: String, timeout: Duration) async throws(DockerEngineError) -> Bool {
        let r = try await call("DELETE", "/networks/\(URLEncoding.segment(id))", expecting: [204, 404], timeout: timeout)
        return r.status == 204
    }

    /// `network.connect`: attaches a container (created or running) to a network.
    public func connectNetwork(
        _ network: String, container: String, endpoint: EndpointSpec, timeout: Duration
    ) async throws(DockerEngineError) {
        let body: JSONValue = ["Container": .string(container), "EndpointConfig": .object(endpoint.endpointSettings)]
        _ = try await call("POST", "/networks/\(URLEncoding.segment(network))/connect", json: body, timeout: timeout)
    }

    /// `network.disconnect`.
    public func disconnectNetwork(_ network: String, container: String, force: Bool, timeout: Duration) async throws(DockerEngineError) {
        let body: JSONValue = ["Container": .string(container), "Force": .bool(force)]
        _ = try await call("POST", "/networks/\(URLEncoding.segment(network))/disconnect", json: body, timeout: timeout)
    }
}

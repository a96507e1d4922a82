import AgentJSON
import ContainerEngineSupport
import Testing

/// Calls of a container driver's service as the driver suites make them (Docker's and Podman's
/// alike): the answer's expected shape, or the error a call fails with.
extension EngineDriverService {
    /// `invoke` returning an object (fails the test otherwise).
    public func object(_ method: String, _ params: JSONObject = [:]) async throws -> JSONObject {
        let v = try await invoke(method: method, params: params)
        return try #require(v.objectValue, "\(method) answered \(v)")
    }

    /// `invoke` returning an array.
    public func array(_ method: String, _ params: JSONObject = [:]) async throws -> [JSONValue] {
        let v = try await invoke(method: method, params: params)
        return try #require(v.arrayValue, "\(method) answered \(v)")
    }

    /// The error `invoke` fails with (nil when it succeeded).
    public func failure(_ method: String, _ params: JSONObject = [:]) async -> Failure? {
        do {
            _ = try await invoke(method: method, params: params)
            return nil
        } catch {
            return error
        }
    }
}

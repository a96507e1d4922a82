import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The container engine as the runtime's collaborators use it: the driver's methods by name
/// (docs/container-driver.md), its errors as ``RuntimeError`` keeping the driver's stable code.
/// ``Engine`` is the registry's `agent.container_driver`; a test puts a fake in its place.
protocol ContainerEngine: Sendable {
    /// Returns once a driver is there, waiting up to `seconds` for one to register.
    /// - Throws: ``RuntimeError`` `no_container_driver` when none registered in time.
    func waitForDriver(seconds: Double) async throws(RuntimeError)

    /// Calls one driver method (`container.inspect`, `network.create`, …) and answers its result.
    /// - Throws: the driver's error (its code, message and field), or `no_container_driver`.
    func call(_ method: String, _ params: JSONObject) async throws(RuntimeError) -> JSONValue

    /// The driver's events matching `filter`, waiting up to `waitSeconds` for a driver. A
    /// consumer that stops iterating ends the subscription.
    /// - Throws: `no_container_driver`, or the driver's refusal (its code and message).
    func events(filter: JSONObject, waitSeconds: Double) async throws(RuntimeError) -> AsyncStream<ProtocolEvent>
}

extension ContainerEngine {
    /// Calls a method that takes no parameters.
    func call(_ method: String) async throws(RuntimeError) -> JSONValue {
        try await call(method, [:])
    }

    /// Calls a method that answers an object (`[:]` when it answers something else).
    func object(_ method: String, _ params: JSONObject = [:]) async throws(RuntimeError) -> JSONObject {
        try await call(method, params).objectValue ?? [:]
    }

    /// `engine.capabilities` (docs/container-driver.md, "Engines compared"); a driver without
    /// the method (`unknown_method`) gives capabilities that refuse nothing.
    /// - Throws: the driver's other errors.
    func capabilities() async throws(RuntimeError) -> EngineCapabilities {
        do {
            return EngineCapabilities(answer: try await object("engine.capabilities"))
        } catch where error.code == "unknown_method" {
            return EngineCapabilities(answer: nil)
        }
    }

    /// `container.inspect`, nil when the container does not exist.
    func inspect(_ id: String) async throws(RuntimeError) -> JSONObject? {
        do {
            return try await object("container.inspect", ["id": .string(id)])
        } catch where error.code == "engine_not_found" {
            return nil
        }
    }

    /// `network.inspect`, nil when the network does not exist.
    func network(_ name: String) async throws(RuntimeError) -> JSONObject? {
        do {
            return try await object("network.inspect", ["id": .string(name)])
        } catch where error.code == "engine_not_found" {
            return nil
        }
    }

    /// Removes a network if it exists and no container uses it; true when removed. "Uses"
    /// includes created and stopped containers: the engine lists only running endpoints on the
    /// network, and would let a network be removed under a stopped vPLC (which then cannot start).
    @discardableResult
    func removeNetworkIfUnused(_ name: String) async throws(RuntimeError) -> Bool {
        guard try await network(name) != nil else { return false }
        let users = try await call("container.list", ["labels": [:], "network": .string(name), "all": true]).arrayValue ?? []
        guard users.isEmpty else { return false }
        do {
            _ = try await call("network.remove", ["id": .string(name)])
            return true
        } catch where error.code == "engine_not_found" {
            return false
        }
    }
}

import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The container engine as the vPLC plugin sees it: the registry's `agent.container_driver`
/// (found lazily: the driver may register after this plugin), with driver errors mapped onto
/// ``RuntimeError`` keeping the driver's stable code.
struct Engine: Sendable {
    let host: PluginHost
    /// Registry name of the driver to use; empty = the only/first one.
    let driverName: String

    /// The driver, waiting up to `waitSeconds` for it to register.
    func driver(waitSeconds: Double = 5) async throws(RuntimeError) -> ProtocolHandle {
        let deadline = host.monotonicNanoseconds + UInt64(waitSeconds * 1e9)
        while true {
            if let h = host.lookup("agent.container_driver", name: driverName) { return h }
            if host.monotonicNanoseconds >= deadline { break }
            try? await Task.sleep(for: .milliseconds(50))  // harmless: the deadline above ends the wait
        }
        throw RuntimeError(
            "no_container_driver", "no agent.container_driver plugin is loaded (add libagent-docker.so to plugins.load)")
    }

    /// Calls one driver method.
    func call(_ method: String, _ params: JSONObject = [:]) async throws(RuntimeError) -> JSONValue {
        let d = try await driver()
        do {
            return try await d.invoke(method, params)
        } catch {
            throw RuntimeError(error.code, error.message, field: error.field)
        }
    }

    /// Calls a method that answers an object.
    func object(_ method: String, _ params: JSONObject = [:]) async throws(RuntimeError) -> JSONObject {
        try await call(method, params).objectValue ?? [:]
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

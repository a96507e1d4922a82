import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The container engine as the vPLC plugin sees it: the registry's `agent.container_driver`
/// (found lazily: the driver may register after this plugin), with driver errors mapped onto
/// ``RuntimeError`` keeping the driver's stable code.
struct Engine: ContainerEngine {
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
            "no_container_driver", "no agent.container_driver plugin is loaded (add libagent-docker.so or libagent-podman.so to plugins.load)")
    }

    func waitForDriver(seconds: Double) async throws(RuntimeError) {
        _ = try await driver(waitSeconds: seconds)
    }

    /// Calls one driver method (waiting up to 5 s for the driver).
    func call(_ method: String, _ params: JSONObject) async throws(RuntimeError) -> JSONValue {
        let d = try await driver()
        do {
            return try await d.invoke(method, params)
        } catch {
            throw RuntimeError(error.code, error.message, field: error.field)
        }
    }

    func events(filter: JSONObject, waitSeconds: Double) async throws(RuntimeError) -> AsyncStream<ProtocolEvent> {
        let d = try await driver(waitSeconds: waitSeconds)
        do throws(PluginError) {
            return try d.subscribe(filter: filter)
        } catch {
            throw RuntimeError(error.code, error.message)
        }
    }
}

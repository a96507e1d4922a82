import AgentJSON
import CAgentABI
import Synchronization

/// The body of every cancel-less `invoke` vtable entry (`agent.netmon`, `agent.transport`):
/// decodes the method and params (params that are not a JSON object are refused with
/// `invalid_argument`), runs `invoke` as a task and fires the completion exactly once.
func bridgeInvoke(
    _ methodBytes: agent_bytes, _ paramsBytes: agent_bytes, _ done: agent_completion_fn, _ doneCtx: UnsafeMutableRawPointer?,
    _ invoke: @escaping @Sendable (String, JSONObject) async throws(PluginError) -> JSONValue
) -> Int32 {
    let method = Bytes.string(methodBytes)
    guard let params = Bytes.invokeParams(paramsBytes) else { return ABI.invalidArgument }
    let completion = Completion(done: done, ctx: doneCtx)
    Task {
        do throws(PluginError) {
            completion.fire(ABI.ok, try await invoke(method, params))
        } catch {
            completion.fire(error.status, error.json)
        }
    }
    return ABI.ok
}

/// The body of an `invoke` vtable entry that has a `cancel` (`agent.container_driver`,
/// `agent.upgrader`): runs `invoke` as a task handed to `track` (which files it under the request
/// id so `cancel` reaches it, and returns the removal to run when the task ends) and fires the
/// completion exactly once. The caller has decoded method and params.
func bridgeCancellableInvoke(
    _ method: String, _ params: JSONObject, _ done: agent_completion_fn, _ doneCtx: UnsafeMutableRawPointer?,
    track: (InFlightRequest) -> @Sendable () -> Void,
    _ invoke: @escaping @Sendable (String, JSONObject) async throws(PluginError) -> JSONValue
) -> Int32 {
    let completion = Completion(done: done, ctx: doneCtx)
    let entry = InFlightRequest()
    let untrack = track(entry)
    let task = Task {
        do throws(PluginError) {
            completion.fire(ABI.ok, try await invoke(method, params))
        } catch {
            completion.fire(error.status, error.json)
        }
        untrack()
    }
    entry.attach(task)
    return ABI.ok
}

/// The in-flight invocations of one cancellable provider, by request id (for `cancel`).
final class InFlightTable: Sendable {
    private let entries = Mutex<[UInt64: InFlightRequest]>([:])

    /// The `track` argument of ``bridgeCancellableInvoke`` for request `id`.
    func tracker(_ id: UInt64) -> (InFlightRequest) -> @Sendable () -> Void {
        { entry in
            self.entries.withLock { $0[id] = entry }
            return { _ = self.entries.withLock { $0.removeValue(forKey: id) } }
        }
    }

    /// Cancels request `id` if it is still running.
    func cancel(_ id: UInt64) { entries.withLock { $0[id] }?.cancel() }
}

import AgentJSON
import CAgentABI

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

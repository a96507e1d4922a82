import AgentContracts
import AgentJSON
import CAgentABI

/// One line a plugin logged through the host API.
public struct LoggedLine: Sendable, Equatable {
    /// The plugin that logged it.
    public let plugin: String
    /// The ABI level: 0 trace, 1 debug, 2 info, 3 notice, 4 warning, 5 error, 6 critical.
    public let level: Int32
    /// The message.
    public let message: String
    /// The metadata object (empty when none).
    public let metadata: JSONObject
}

/// One event a plugin emitted through `emit_event` (what the agent would send to the cloud).
public struct EmittedEvent: Sendable, Equatable {
    /// The plugin that emitted it.
    public let plugin: String
    /// The event topic, e.g. `operation_update`.
    public let topic: String
    /// The payload object.
    public let payload: JSONObject
}

/// One registration a plugin (or a test) made in the host's registry. The pointers live until
/// process exit (ABI rule), so the entry may be copied freely.
struct RegistryEntry: @unchecked Sendable {
    let protocolID: String
    let name: String
    /// The plugin id that registered it (`test` for fakes a test registered).
    let owner: String
    let vtable: UnsafePointer<agent_vtable_header>
    let instance: UnsafeMutableRawPointer?
    /// `agent.topic_handler` only: the message contract, when one was given.
    let contract: Contract?
    /// `agent.topic_handler` only: fill `action` and `requested_at` when absent.
    let addDefaults: Bool
}

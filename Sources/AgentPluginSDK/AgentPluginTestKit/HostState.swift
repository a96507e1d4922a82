import AgentJSON
import AgentStore
import CAgentABI
import Synchronization

/// Everything the host double keeps, behind one lock: what the site config says, what plugins
/// registered, logged and emitted. The store is the agent's own durable store in a folder of
/// the test's (one namespace per plugin id, as in the agent).
final class HostState: Sendable {
    struct Mutable: Sendable {
        var config: JSONObject
        var features: [String: Bool]
        var registry: [RegistryEntry] = []
        var events: [EmittedEvent] = []
        var logs: [LoggedLine] = []
    }

    let state: Mutex<Mutable>
    let store: DurableStore
    let storeDirectory: String
    let monotonicNanoseconds: @Sendable () -> UInt64

    init(
        config: JSONObject, features: [String: Bool], store: DurableStore, storeDirectory: String,
        monotonicNanoseconds: @escaping @Sendable () -> UInt64
    ) {
        state = Mutex(Mutable(config: config, features: features))
        self.store = store
        self.storeDirectory = storeDirectory
        self.monotonicNanoseconds = monotonicNanoseconds
    }

    /// The registration for `protocolID` and `name` (empty name: the first one), as the agent's
    /// registry answers `lookup_protocol`.
    func lookup(_ protocolID: String, name: String) -> RegistryEntry? {
        state.withLock { s in
            s.registry.first { $0.protocolID == protocolID && (name.isEmpty || $0.name == name) }
        }
    }

    /// Adds a registration; false when (protocol, name) is taken (`AGENT_E_DUPLICATE`).
    func register(_ entry: RegistryEntry) -> Bool {
        state.withLock { s in
            guard !s.registry.contains(where: { $0.protocolID == entry.protocolID && $0.name == entry.name }) else {
                return false
            }
            s.registry.append(entry)
            return true
        }
    }

    /// Removes every registration of `owner` (a plugin that was shut down routes nothing).
    func unregister(owner: String) {
        state.withLock { s in s.registry.removeAll { $0.owner == owner } }
    }

    /// A config value for `plugin`: its own `config.<key>` first, then the top-level dotted path.
    func configValue(_ key: String, pluginConfig: JSONObject) -> JSONValue? {
        func find(_ root: JSONObject) -> JSONValue? {
            var current: JSONValue? = .object(root)
            for part in key.split(separator: ".", omittingEmptySubsequences: false) {
                current = current?.objectValue?[String(part)]
            }
            return current
        }
        return find(pluginConfig) ?? state.withLock { find($0.config) }
    }
}

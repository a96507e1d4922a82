import AgentContracts
import CAgentABI
import Synchronization

/// The registry of protocol implementations that plugins registered: `(protocol id, name)` →
/// C vtable + instance (+ contract for topic handlers).
///
/// Thread-safe. Entries are never removed while the process lives (plugins are never
/// unloaded); a plugin that fails registration has its pending entries dropped before they are
/// committed, so no half-registered plugin is ever visible.
public final class ProtocolRegistry: Sendable {
    /// One registered implementation. The pointers live until process exit.
    public struct Entry: @unchecked Sendable {
        public let protocolID: String
        public let name: String
        public let pluginID: String
        public let vtable: UnsafePointer<agent_vtable_header>
        public let instance: UnsafeMutableRawPointer?
        /// Topic handlers only: the full contract (base message fields + the plugin's).
        public let contract: Contract?
        /// Topic handlers only: fill `action` / `requested_at` when absent.
        public let addDefaults: Bool
    }

    struct Key: Hashable {
        let protocolID: String
        let name: String
    }

    /// The protocol ids this host speaks, with the protocol major and the minimum vtable size.
    public static let knownProtocols: [String: (major: UInt16, minSize: Int)] = [
        AGENT_PROTOCOL_TOPIC_HANDLER: (1, MemoryLayout<agent_topic_handler_v1>.size),
        AGENT_PROTOCOL_TRANSPORT: (1, MemoryLayout<agent_transport_v1>.size),
        AGENT_PROTOCOL_CONTAINER_DRIVER: (1, MemoryLayout<agent_container_driver_v1>.size),
        AGENT_PROTOCOL_NETMON: (1, MemoryLayout<agent_netmon_v1>.size),
        AGENT_PROTOCOL_UPGRADER: (1, MemoryLayout<agent_upgrader_v1>.size),
    ]

    private struct State {
        var entries: [Key: Entry] = [:]
        var order: [Key] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The implementation registered under `(protocolID, name)`; with an empty name, the first
    /// registration of that protocol.
    public func lookup(_ protocolID: String, name: String = "") -> Entry? {
        state.withLock { s in
            if name.isEmpty {
                return s.order.first(where: { $0.protocolID == protocolID }).flatMap { s.entries[$0] }
            }
            return s.entries[Key(protocolID: protocolID, name: name)]
        }
    }

    /// Every entry of a protocol, in registration order.
    public func entries(of protocolID: String) -> [Entry] {
        state.withLock { s in s.order.filter { $0.protocolID == protocolID }.compactMap { s.entries[$0] } }
    }

    /// Whether `(protocolID, name)` is taken.
    public func contains(_ protocolID: String, name: String) -> Bool {
        state.withLock { $0.entries[Key(protocolID: protocolID, name: name)] != nil }
    }

    /// Commits a plugin's registrations all at once.
    /// - Returns: the first `(protocol, name)` already taken, in which case nothing is committed.
    func commit(_ batch: [Entry]) -> (protocolID: String, name: String)? {
        state.withLock { s in
            for e in batch where s.entries[Key(protocolID: e.protocolID, name: e.name)] != nil {
                return (e.protocolID, e.name)
            }
            for e in batch {
                let key = Key(protocolID: e.protocolID, name: e.name)
                s.entries[key] = e
                s.order.append(key)
            }
            return nil
        }
    }
}

import AgentJSON
import CAgentABI
import Synchronization

/// Where events that plugins emit (`emit_event`) go: to the registered transport (queued while
/// disconnected) and to local observers (the `invoke` command, tests, the audit log).
public final class EventRouter: Sendable {
    /// An observer of every emitted event. Called on the emitting thread; must return quickly.
    public typealias Observer = @Sendable (_ topic: String, _ payload: JSONObject) -> Void

    private let registry: ProtocolRegistry
    private let observers = Mutex<(next: UInt64, all: [(id: UInt64, observer: Observer)])>((1, []))

    init(registry: ProtocolRegistry) { self.registry = registry }

    /// Adds an observer; it stays until ``unobserve(_:)`` with the returned id.
    @discardableResult
    public func observe(_ observer: @escaping Observer) -> UInt64 {
        observers.withLock { o in
            defer { o.next += 1 }
            o.all.append((o.next, observer))
            return o.next
        }
    }

    /// Removes an observer; after return it is never called again by a new `emit`.
    public func unobserve(_ id: UInt64) { observers.withLock { $0.all.removeAll { $0.id == id } } }

    /// Events whose topic starts with this prefix (`local.heartbeat_failed`, `local.vplc_restarted`)
    /// go to the observers only and are never handed to the transport.
    public static let localPrefix = "local."

    /// Routes one event.
    /// - Returns: `AGENT_OK` when a transport accepted it or an observer saw it,
    ///   `AGENT_E_UNSUPPORTED` when nobody could take it.
    func emit(topic: String, payload: JSONObject) -> Int32 {
        let watchers = observers.withLock { $0.all.map(\.observer) }
        for w in watchers { w(topic, payload) }
        // `local.` events are signals for in-process observers (metrics); never sent to the cloud.
        if topic.hasPrefix(Self.localPrefix) { return watchers.isEmpty ? Int32(AGENT_E_UNSUPPORTED) : Int32(AGENT_OK) }
        guard let transport = registry.lookup(AGENT_PROTOCOL_TRANSPORT) else {
            return watchers.isEmpty ? Int32(AGENT_E_UNSUPPORTED) : Int32(AGENT_OK)
        }
        let vt = UnsafeRawPointer(transport.vtable).assumingMemoryBound(to: agent_transport_v1.self)
        let bytes = JSONWriter.bytes(.object(payload))
        let topicBytes = Array(topic.utf8)
        return topicBytes.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { p in
                vt.pointee.send(
                    transport.instance, agent_bytes(ptr: t.baseAddress, len: t.count),
                    agent_bytes(ptr: p.baseAddress, len: p.count), UInt64(AGENT_SEND_QUEUE), nil, nil)
            }
        }
    }
}

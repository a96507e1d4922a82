import AgentJSON
import CAgentABI
import Synchronization

/// Where events that plugins emit (`emit_event`) go: to the registered transport (queued while
/// disconnected) and to local observers (the `invoke` command, tests, the audit log).
public final class EventRouter: Sendable {
    /// An observer of every emitted event. Called on the emitting thread; must return quickly.
    public typealias Observer = @Sendable (_ topic: String, _ payload: JSONObject) -> Void

    private let registry: ProtocolRegistry
    private let observers = Mutex<[Observer]>([])

    init(registry: ProtocolRegistry) { self.registry = registry }

    /// Adds an observer for the life of the process.
    public func observe(_ observer: @escaping Observer) { observers.withLock { $0.append(observer) } }

    /// Routes one event.
    /// - Returns: `AGENT_OK` when a transport accepted it or an observer saw it,
    ///   `AGENT_E_UNSUPPORTED` when nobody could take it.
    func emit(topic: String, payload: JSONObject) -> Int32 {
        let watchers = observers.withLock { $0 }
        for w in watchers { w(topic, payload) }
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

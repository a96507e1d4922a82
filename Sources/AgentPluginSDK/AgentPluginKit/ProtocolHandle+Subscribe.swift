import AgentJSON
import CAgentABI
import Synchronization

/// One event from a subscription: its kind (e.g. `"container.die"`) and payload.
public struct ProtocolEvent: Sendable {
    public let kind: String
    public let payload: JSONObject
}

extension ProtocolHandle {
    /// Subscribes to the event stream of an `agent.container_driver` (events matching `filter`)
    /// or of an `agent.netmon` (every event; `filter` is ignored). The stream ends when the
    /// consuming task stops iterating (that unsubscribes). Events are buffered (newest 1024 kept).
    /// - Throws: ``PluginError`` `unsupported` for other protocols, `invalid_filter` when the
    ///   implementation refuses the filter (`invalid_argument`), `subscribe_refused` when it
    ///   refuses the subscription for another reason.
    public func subscribe(filter: JSONObject = [:]) throws(PluginError) -> AsyncStream<ProtocolEvent> {
        let raw = UnsafeRawPointer(vtable)
        typealias Unsubscribe = @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void
        let start: (agent_event_fn, UnsafeMutableRawPointer, inout UInt64) -> Int32
        let unsubscribeFn: Unsubscribe?
        switch protocolID {
        case AGENT_PROTOCOL_CONTAINER_DRIVER:
            let vt = raw.assumingMemoryBound(to: agent_container_driver_v1.self)
            unsubscribeFn = vt.pointee.unsubscribe
            start = { fn, ctx, out in
                Bytes.withBorrowed(JSONWriter.bytes(.object(filter))) { f in
                    vt.pointee.subscribe?(instance, f, fn, ctx, &out) ?? ABI.unsupported
                }
            }
        case AGENT_PROTOCOL_NETMON:
            let vt = raw.assumingMemoryBound(to: agent_netmon_v1.self)
            unsubscribeFn = vt.pointee.unsubscribe
            start = { fn, ctx, out in vt.pointee.subscribe?(instance, fn, ctx, &out) ?? ABI.unsupported }
        default:
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) has no event subscription")
        }
        let (stream, continuation) = AsyncStream<ProtocolEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let sink = EventSink(continuation)
        let ctx = Unmanaged.passRetained(sink)
        var subscription: UInt64 = 0
        let status = start(eventSinkFn, ctx.toOpaque(), &subscription)
        guard status == ABI.ok else {
            ctx.release()
            if status == ABI.invalidArgument {
                throw PluginError(
                    status: status, code: "invalid_filter",
                    message: "\(protocolID) refused the filter \(JSONWriter.string(.object(filter))) (invalid_argument): see the driver's filter fields",
                    field: "filter")
            }
            throw PluginError(status: status, code: "subscribe_refused", message: "\(protocolID) refused the subscription (status \(status))")
        }
        let unsubscribe = Unchecked(unsubscribeFn)
        let target = Unchecked(instance)
        let sub = subscription
        continuation.onTermination = { _ in
            unsubscribe.value?(target.value, sub)
            ctx.release()  // no callback after unsubscribe returned (ABI rule)
        }
        return stream
    }
}

/// Receives C event callbacks and yields them into the stream.
final class EventSink: Sendable {
    let continuation: AsyncStream<ProtocolEvent>.Continuation
    init(_ c: AsyncStream<ProtocolEvent>.Continuation) { continuation = c }
}

let eventSinkFn: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Void = { ctx, kind, payload in
    guard let ctx else { return }
    let sink = Unmanaged<EventSink>.fromOpaque(ctx).takeUnretainedValue()
    // harmless: the event's kind still arrives; a payload that is not an object (a provider bug)
    // arrives as {}, and consumers read every payload field as optional.
    let object = (try? JSONParser.parse(Bytes.copy(payload)))?.objectValue ?? [:]
    sink.continuation.yield(ProtocolEvent(kind: Bytes.string(kind), payload: object))
}

import AgentJSON
import CAgentABI
import Synchronization

/// Calls into another plugin's protocol implementation found through the registry.
///
/// Every call is asynchronous on the C side (accepted, then one completion); these methods
/// bridge that to `async throws`. Cancelling the calling task calls the implementation's
/// `cancel`. Errors come back as ``PluginError`` with the callee's code and message.
extension ProtocolHandle {
    /// Invokes a JSON method of an `agent.container_driver`, `agent.netmon`, `agent.transport` or
    /// `agent.upgrader` implementation (e.g. `"container.inspect"`, `"interfaces"`, `"status"`,
    /// `"swap.prepare"`).
    public func invoke(_ method: String, _ params: JSONObject = [:]) async throws(PluginError) -> JSONValue {
        // The four vtables share the `invoke` signature; the container driver and the upgrader
        // also have `cancel`.
        typealias InvokeFn = @convention(c) (
            UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
        ) -> Int32
        let raw = UnsafeRawPointer(vtable)
        let invokeFn: InvokeFn?
        var cancel: (@Sendable (UnsafeMutableRawPointer?, UInt64) -> Void)? = nil
        switch protocolID {
        case AGENT_PROTOCOL_CONTAINER_DRIVER:
            let vt = raw.assumingMemoryBound(to: agent_container_driver_v1.self)
            invokeFn = vt.pointee.invoke
            let cancelFn = Unchecked(vt.pointee.cancel)
            cancel = { cancelFn.value?($0, $1) }
        case AGENT_PROTOCOL_TRANSPORT:
            invokeFn = raw.assumingMemoryBound(to: agent_transport_v1.self).pointee.invoke
        case AGENT_PROTOCOL_NETMON:
            invokeFn = raw.assumingMemoryBound(to: agent_netmon_v1.self).pointee.invoke
        case AGENT_PROTOCOL_UPGRADER:
            let vt = raw.assumingMemoryBound(to: agent_upgrader_v1.self)
            invokeFn = vt.pointee.invoke
            let cancelFn = Unchecked(vt.pointee.cancel)
            cancel = { cancelFn.value?($0, $1) }
        default:
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) has no invoke method")
        }
        guard let invokeFn else {
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) lacks invoke")
        }
        return try await call(cancel: cancel) { id, done, ctx in
            Bytes.withBorrowed(method) { m in
                Bytes.withBorrowed(JSONWriter.bytes(.object(params))) { p in invokeFn(instance, id, m, p, done, ctx) }
            }
        }
    }

    /// Sends an event through an `agent.transport` implementation. With `queue` the transport
    /// keeps it while disconnected; without, a send while disconnected fails (`busy`).
    public func send(_ topic: String, _ payload: JSONObject, queue: Bool) async throws(PluginError) {
        guard protocolID == AGENT_PROTOCOL_TRANSPORT else {
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) is not a transport")
        }
        let vt = UnsafeRawPointer(vtable).assumingMemoryBound(to: agent_transport_v1.self)
        _ = try await call(cancel: nil) { _, done, ctx in
            Bytes.withBorrowed(topic) { t in
                Bytes.withBorrowed(JSONWriter.bytes(.object(payload))) { p in
                    vt.pointee.send?(instance, t, p, queue ? UInt64(AGENT_SEND_QUEUE) : 0, done, ctx) ?? ABI.unsupported
                }
            }
        }
    }

    /// Calls an `agent.topic_handler` implementation directly (plugin to plugin, through the
    /// registry). The host's contract validation is NOT applied on this path: the caller is a
    /// trusted in-process plugin and must send what the callee's contract describes.
    public func handle(topic: String, _ message: JSONObject) async throws(PluginError) -> JSONObject {
        guard protocolID == AGENT_PROTOCOL_TOPIC_HANDLER else {
            throw PluginError(status: ABI.unsupported, code: "unsupported", message: "\(protocolID) is not a topic handler")
        }
        let vt = UnsafeRawPointer(vtable).assumingMemoryBound(to: agent_topic_handler_v1.self)
        let cancelFn = Unchecked(vt.pointee.cancel)
        let value = try await call(cancel: { cancelFn.value?($0, $1) }) { id, done, ctx in
            Bytes.withBorrowed(topic) { t in
                Bytes.withBorrowed(JSONWriter.bytes(.object(message))) { m in
                    vt.pointee.handle?(instance, id, t, m, done, ctx) ?? ABI.unsupported
                }
            }
        }
        guard let object = value.objectValue else {
            throw PluginError(status: ABI.internalError, code: "internal", message: "topic '\(topic)' answered a non-object")
        }
        return object
    }

    /// The shared bridge: start the C call with a retained `CallBox` as completion context,
    /// wait for the one completion, map errors.
    private func call(
        cancel: (@Sendable (UnsafeMutableRawPointer?, UInt64) -> Void)?,
        _ start: (UInt64, agent_completion_fn, UnsafeMutableRawPointer) -> Int32
    ) async throws(PluginError) -> JSONValue {
        let id = OutboundRequestID.next()
        let box = CallBox()
        let ctx = Unmanaged.passRetained(box)
        let status = start(id, callDone, ctx.toOpaque())
        guard status == ABI.ok else {
            ctx.release()
            throw PluginError(status: status, code: "call_refused", message: "\(protocolID) refused the call (status \(status))")
        }
        let target = Unchecked(instance)
        let (doneStatus, body) = await withTaskCancellationHandler {
            await withCheckedContinuation { box.wait($0) }
        } onCancel: {
            cancel?(target.value, id)
        }
        guard doneStatus == ABI.ok else { throw PluginError.decode(status: doneStatus, body: body) }
        if body.isEmpty { return .null }
        do { return try JSONParser.parse(body) } catch {
            throw PluginError(status: ABI.internalError, code: "internal", message: "\(protocolID) answered invalid JSON")
        }
    }
}

/// Request ids for calls a plugin makes: the top bit set, so they never collide with the host's.
enum OutboundRequestID {
    private static let counter = Atomic<UInt64>(1)
    static func next() -> UInt64 { (1 << 63) | counter.add(1, ordering: .relaxed).oldValue }
}

/// A C pointer or function pointer carried across tasks; the ABI makes them callable from any thread.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One outbound call's completion slot (resolved exactly once).
final class CallBox: Sendable {
    private let state = Mutex<(result: (Int32, [UInt8])?, waiter: CheckedContinuation<(Int32, [UInt8]), Never>?)>((nil, nil))

    func complete(_ status: Int32, _ body: [UInt8]) {
        let waiter = state.withLock { s -> CheckedContinuation<(Int32, [UInt8]), Never>? in
            guard s.result == nil else { return nil }
            s.result = (status, body)
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume(returning: (status, body))
    }

    func wait(_ c: CheckedContinuation<(Int32, [UInt8]), Never>) {
        let ready = state.withLock { s -> (Int32, [UInt8])? in
            if let r = s.result { return r }
            s.waiter = c
            return nil
        }
        if let ready { c.resume(returning: ready) }
    }
}

let callDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, status, body in
    let bytes = Bytes.take(body)
    guard let ctx else { return }
    Unmanaged<CallBox>.fromOpaque(ctx).takeRetainedValue().complete(status, bytes)
}

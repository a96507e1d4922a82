import AgentJSON
import CAgentABI
import Synchronization

/// A failed call into a registered protocol implementation from the host side.
public struct ProtocolCallError: Error, Sendable, CustomStringConvertible {
    /// The callee's stable error code (`engine_not_found`, `bad_params`, …), or the host's:
    /// `no_implementation`, `unsupported`, `call_refused`, `timeout`, `bad_answer`.
    public let code: String
    public let message: String
    /// The offending parameter, when the callee named one.
    public let field: String?

    public init(_ code: String, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { field.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)" }
}

/// Host-side calls of a registered protocol's JSON `invoke(method, params)` (a container
/// driver's, a netmon's or an upgrader's), bridged to `async`: the host's counterpart of what
/// plugins do through `ProtocolHandle.invoke`. Used by host commands that need a plugin's service
/// without the dispatcher (the upgrade helper drives the `agent.upgrader` this way). Use one per agent:
/// its request ids (bit 62 set, apart from the dispatcher's and the plugins') are unique within it.
public final class ProtocolCalls: Sendable {
    let registry: ProtocolRegistry
    private let nextID = Atomic<UInt64>(1)

    public init(registry: ProtocolRegistry) { self.registry = registry }

    /// Calls `method` of the implementation registered under `protocolID` (and `name`, if
    /// given) and waits for its completion, at most `timeout` (then the call is cancelled
    /// where the protocol can cancel).
    /// - Returns: the answer's JSON (`null` for an empty body).
    /// - Throws: ``ProtocolCallError`` with the callee's code, or the host's own.
    public func invoke(
        _ protocolID: String, name: String = "", method: String, params: JSONObject = [:], timeout: Duration = .seconds(120)
    ) async throws(ProtocolCallError) -> JSONValue {
        guard let entry = registry.lookup(protocolID, name: name) else {
            throw ProtocolCallError("no_implementation", "no loaded plugin implements \(protocolID)")
        }
        typealias InvokeFn = @convention(c) (
            UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
        ) -> Int32
        let raw = UnsafeRawPointer(entry.vtable)
        let invoke: InvokeFn?
        var cancel: (@convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void)? = nil
        switch protocolID {
        case AGENT_PROTOCOL_CONTAINER_DRIVER:
            let vt = raw.assumingMemoryBound(to: agent_container_driver_v1.self)
            invoke = vt.pointee.invoke
            cancel = vt.pointee.cancel
        case AGENT_PROTOCOL_NETMON:
            invoke = raw.assumingMemoryBound(to: agent_netmon_v1.self).pointee.invoke
        case AGENT_PROTOCOL_UPGRADER:
            let vt = raw.assumingMemoryBound(to: agent_upgrader_v1.self)
            invoke = vt.pointee.invoke
            cancel = vt.pointee.cancel
        default:
            throw ProtocolCallError("unsupported", "\(protocolID) has no JSON invoke method")
        }
        guard let invoke else { throw ProtocolCallError("unsupported", "\(entry.pluginID) lacks invoke") }

        let id = (1 << 62) | nextID.add(1, ordering: .relaxed).oldValue
        let pending = PendingRequest()
        let ctx = Unmanaged.passRetained(pending)
        let params = JSONWriter.bytes(.object(params))
        let methodBytes = Array(method.utf8)
        let status = methodBytes.withUnsafeBufferPointer { m in
            params.withUnsafeBufferPointer { p in
                invoke(
                    entry.instance, id, agent_bytes(ptr: m.baseAddress, len: m.count),
                    agent_bytes(ptr: p.baseAddress, len: p.count), hostRequestDone, ctx.toOpaque())
            }
        }
        guard status == Int32(AGENT_OK) else {
            ctx.release()  // the completion will never fire
            throw ProtocolCallError("call_refused", "\(entry.pluginID) refused \(method) (status \(status))")
        }
        let target = UnsafeSendable((cancel, entry.instance))
        let timer = Task {
            try? await Task.sleep(for: timeout)  // harmless: cancelled once the call answered
            if pending.resolve(.timedOut) { target.value.0?(target.value.1, id) }
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { pending.wait($0) }
        } onCancel: {
            if pending.resolve(.cancelled) { target.value.0?(target.value.1, id) }
        }
        timer.cancel()
        switch outcome {
        case .timedOut: throw ProtocolCallError("timeout", "\(method) did not answer within \(timeout)")
        case .cancelled: throw ProtocolCallError("cancelled", "\(method) was cancelled")
        case .completed(let status, let body):
            // handled: a body that is not JSON is `bad_answer` (or the status's code for an error)
            let parsed = body.isEmpty ? JSONValue.null : try? JSONParser.parse(body)
            guard status == Int32(AGENT_OK) else {
                let err = parsed?.objectValue
                throw ProtocolCallError(
                    err?["code"]?.stringValue ?? Dispatcher.statusCode(status),
                    err?["message"]?.stringValue ?? "\(method) failed with status \(status)", field: err?["field"]?.stringValue)
            }
            guard let parsed else { throw ProtocolCallError("bad_answer", "\(method) answered invalid JSON") }
            return parsed
        }
    }

    /// ``invoke(_:name:method:params:timeout:)`` of the registry's `agent.upgrader` (the first
    /// registered, or the one registered under `name`).
    public func upgrader(_ method: String, _ params: JSONObject = [:], name: String = "", timeout: Duration = .seconds(120))
        async throws(ProtocolCallError) -> JSONValue
    {
        try await invoke(AGENT_PROTOCOL_UPGRADER, name: name, method: method, params: params, timeout: timeout)
    }
}

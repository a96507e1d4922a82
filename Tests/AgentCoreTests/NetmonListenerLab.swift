import AgentCore
import AgentJSON
import CAgentABI
import Foundation
import LabSupport

#if canImport(Glibc)
import Glibc
#endif

/// Calls the `agent.netmon` implementation in an agent's registry through its C vtable, the way
/// another plugin's SDK would.
struct NetmonProbe: @unchecked Sendable {
    let vtable: UnsafePointer<agent_netmon_v1>
    let instance: UnsafeMutableRawPointer?

    init(_ agent: Agent) throws {
        guard let entry = agent.services.registry.lookup(AGENT_PROTOCOL_NETMON) else {
            throw LabError("no agent.netmon registered")
        }
        vtable = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_netmon_v1.self)
        instance = entry.instance
    }

    /// Invokes `method`; answers the status and the result (or error) object.
    func invoke(_ method: String, _ params: JSONObject = [:]) async -> (status: Int32, body: JSONObject) {
        await withCheckedContinuation { (c: CheckedContinuation<(status: Int32, body: JSONObject), Never>) in
            let box = Unmanaged.passRetained(ProbeCall(c))
            let m = Array(method.utf8)
            let p = JSONWriter.bytes(.object(params))
            let status = m.withUnsafeBufferPointer { mb in
                p.withUnsafeBufferPointer { pb in
                    vtable.pointee.invoke?(
                        instance, 1, agent_bytes(ptr: mb.baseAddress, len: mb.count), agent_bytes(ptr: pb.baseAddress, len: pb.count),
                        probeDone, box.toOpaque()) ?? Int32(AGENT_E_UNSUPPORTED)
                }
            }
            if status != Int32(AGENT_OK) {
                box.release()
                c.resume(returning: (status, [:]))
            }
        }
    }

    /// Subscribes; events land in the returned log until ``NetmonEventLog/cancel()``.
    func subscribe() throws -> NetmonEventLog {
        let log = NetmonEventLog()
        var id: UInt64 = 0
        let ctx = Unmanaged.passRetained(log)
        guard let subscribe = vtable.pointee.subscribe, let unsubscribe = vtable.pointee.unsubscribe,
            subscribe(instance, probeEvent, ctx.toOpaque(), &id) == Int32(AGENT_OK)
        else {
            ctx.release()
            throw LabError("subscribe refused")
        }
        let target = NetmonProbePointer(instance)
        let subscription = id
        log.onCancel = {
            unsubscribe(target.value, subscription)
            ctx.release()
        }
        return log
    }
}

struct NetmonProbePointer: @unchecked Sendable {
    let value: UnsafeMutableRawPointer?
    init(_ value: UnsafeMutableRawPointer?) { self.value = value }
}

/// The events one probe subscription received, in order.
final class NetmonEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(kind: String, payload: JSONObject)] = []
    fileprivate var onCancel: (@Sendable () -> Void)?

    var kinds: [String] { lock.withLock { items.map(\.kind) } }
    var events: [(kind: String, payload: JSONObject)] { lock.withLock { items } }

    fileprivate func append(_ kind: String, _ payload: JSONObject) { lock.withLock { items.append((kind, payload)) } }

    /// Unsubscribes (no event is recorded after it returns).
    func cancel() {
        let stop = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { onCancel = nil }
            return onCancel
        }
        stop?()
    }
}

private final class ProbeCall: @unchecked Sendable {
    let continuation: CheckedContinuation<(status: Int32, body: JSONObject), Never>
    init(_ c: CheckedContinuation<(status: Int32, body: JSONObject), Never>) { continuation = c }
}

private func copyAndRelease(_ body: agent_owned_bytes) -> [UInt8] {
    let bytes = body.ptr.map { Array(UnsafeBufferPointer(start: $0, count: body.len)) } ?? []
    body.release?(body.release_ctx, body.ptr, body.len)
    return bytes
}

private let probeDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, status, body in
    let bytes = copyAndRelease(body)
    guard let ctx else { return }
    let call = Unmanaged<ProbeCall>.fromOpaque(ctx).takeRetainedValue()
    call.continuation.resume(returning: (status, (try? JSONParser.parse(bytes))?.objectValue ?? [:]))
}

private let probeEvent: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Void = { ctx, kind, payload in
    guard let ctx else { return }
    let log = Unmanaged<NetmonEventLog>.fromOpaque(ctx).takeUnretainedValue()
    let k = kind.ptr.map { String(decoding: UnsafeBufferPointer(start: $0, count: kind.len), as: UTF8.self) } ?? ""
    let p = payload.ptr.map { Array(UnsafeBufferPointer(start: $0, count: payload.len)) } ?? []
    log.append(k, (try? JSONParser.parse(p))?.objectValue ?? [:])
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (generous deadlines only).
func netmonEventually(_ seconds: Double = 15, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))  // sleep-audit: poll (the interval of a wait with a deadline)
    }
    return await condition()
}

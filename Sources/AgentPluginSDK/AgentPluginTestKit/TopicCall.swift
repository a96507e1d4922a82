@_spi(HostDouble) import AgentPluginKit
import AgentContracts
import AgentJSON
import CAgentABI
import Synchronization

/// One call of a registered topic handler through its C vtable, with the agent's timeout rule:
/// after `timeout` the handler's `cancel` is called and the answer is a `timeout` error.
enum TopicCall {
    private static let nextID = Atomic<UInt64>(1)

    static func run(_ entry: RegistryEntry, topic: String, message: JSONObject, timeout: Duration) async
        -> (status: Int32, body: [UInt8])?
    {
        let vtable = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_topic_handler_v1.self)
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let box = Pending()
        let ctx = Unmanaged.passRetained(box)
        let bytes = JSONWriter.bytes(.object(message))
        let status: Int32 = topic.utf8CString.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { m in
                guard let handle = vtable.pointee.handle else { return Int32(AGENT_E_UNSUPPORTED) }
                return t.withMemoryRebound(to: UInt8.self) { t8 in
                    handle(
                        entry.instance, id, agent_bytes(ptr: t8.baseAddress, len: t8.count - 1),
                        agent_bytes(ptr: m.baseAddress, len: m.count), pendingDone, ctx.toOpaque())
                }
            }
        }
        guard status == Int32(AGENT_OK) else {
            ctx.release()  // the completion never fires for a refused call
            return (status, [])
        }
        let target = UnsafeSendable(vtable: vtable, instance: entry.instance)
        let timer = Task {
            // harmless: cancelled when the answer came first
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled, box.resolve(nil) { target.cancel(id) }
        }
        let outcome = await withCheckedContinuation { box.wait($0) }
        timer.cancel()
        return outcome
    }

    /// The completion context: resolved once, by the handler or by the timeout.
    final class Pending: Sendable {
        private let state = Mutex<(result: (Int32, [UInt8])??, waiter: CheckedContinuation<(status: Int32, body: [UInt8])?, Never>?)>(
            (nil, nil))

        /// Sets the outcome (nil = timed out); false when it was already set.
        func resolve(_ value: (Int32, [UInt8])?) -> Bool {
            let (waiter, first) = state.withLock { s -> (CheckedContinuation<(status: Int32, body: [UInt8])?, Never>?, Bool) in
                guard case .none = s.result else { return (nil, false) }
                s.result = .some(value)
                let w = s.waiter
                s.waiter = nil
                return (w, true)
            }
            waiter?.resume(returning: value.map { (status: $0.0, body: $0.1) })
            return first
        }

        func wait(_ c: CheckedContinuation<(status: Int32, body: [UInt8])?, Never>) {
            let ready = state.withLock { s -> (Int32, [UInt8])?? in
                if case .some = s.result { return s.result }
                s.waiter = c
                return nil
            }
            if case .some(let value) = ready { c.resume(returning: value.map { (status: $0.0, body: $0.1) }) }
        }
    }

    struct UnsafeSendable: @unchecked Sendable {
        let vtable: UnsafePointer<agent_topic_handler_v1>
        let instance: UnsafeMutableRawPointer?
        func cancel(_ id: UInt64) { vtable.pointee.cancel?(instance, id) }
    }
}

private let pendingDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, status, body in
    let bytes = Bytes.take(body)
    guard let ctx else { return }
    let box = Unmanaged<TopicCall.Pending>.fromOpaque(ctx).takeRetainedValue()
    _ = box.resolve((status, bytes))
}

import AgentJSON
import CAgentABI
import Synchronization

/// Boxes a plugin's ``NetmonProvider`` behind `agent_netmon_v1`. The instance pointer is a
/// retained `NetmonBox` (never released: the registry may hold it until exit).
final class NetmonBox: Sendable {
    let provider: any NetmonProvider
    /// Live subscriptions by id.
    let subscriptions = SubscriptionTable()

    init(_ provider: any NetmonProvider) { self.provider = provider }

    static func from(_ raw: UnsafeMutableRawPointer?) -> NetmonBox? {
        raw.map { Unmanaged<NetmonBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The vtable shared by every Swift netmon implementation (allocated once per library).
nonisolated(unsafe) let netmonVTable: UnsafeMutablePointer<agent_netmon_v1> = {
    let vt = UnsafeMutablePointer<agent_netmon_v1>.allocate(capacity: 1)
    vt.initialize(
        to: agent_netmon_v1(
            header: agent_vtable_header(
                struct_size: UInt32(MemoryLayout<agent_netmon_v1>.size), protocol_major: 1, protocol_minor: 0),
            invoke: netmonInvoke, subscribe: netmonSubscribe, unsubscribe: netmonUnsubscribe))
    return vt
}()

private let netmonInvoke:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { raw, _, methodBytes, paramsBytes, done, doneCtx in
        guard let box = NetmonBox.from(raw), let done else { return ABI.invalidArgument }
        let provider = box.provider
        return bridgeInvoke(methodBytes, paramsBytes, done, doneCtx) { method, params throws(PluginError) in
            try await provider.invoke(method: method, params: params)
        }
    }

private let netmonSubscribe:
    @convention(c) (UnsafeMutableRawPointer?, agent_event_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?)
        -> Int32 = { raw, onEvent, ctx, out in
            guard let box = NetmonBox.from(raw), let onEvent, let out else { return ABI.invalidArgument }
            do throws(PluginError) {
                out.pointee = box.subscriptions.add(try box.provider.subscribe(onEvent: SubscriptionTable.forwarder(onEvent, ctx)))
                return ABI.ok
            } catch {
                return error.status
            }
        }

private let netmonUnsubscribe: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { raw, id in
    NetmonBox.from(raw)?.subscriptions.remove(id)
}

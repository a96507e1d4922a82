import AgentJSON
import CAgentABI
import Synchronization

/// Boxes a plugin's ``UpgraderProvider`` behind `agent_upgrader_v1`. The instance pointer is a
/// retained `UpgraderBox` (never released: the registry may hold it until exit).
final class UpgraderBox: Sendable {
    let provider: any UpgraderProvider
    /// In-flight invocations by request id (for `cancel`).
    let inFlight = InFlightTable()

    init(_ provider: any UpgraderProvider) { self.provider = provider }

    static func from(_ raw: UnsafeMutableRawPointer?) -> UpgraderBox? {
        raw.map { Unmanaged<UpgraderBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The vtable shared by every Swift upgrader (allocated once per library).
nonisolated(unsafe) let upgraderVTable: UnsafeMutablePointer<agent_upgrader_v1> = {
    let vt = UnsafeMutablePointer<agent_upgrader_v1>.allocate(capacity: 1)
    vt.initialize(
        to: agent_upgrader_v1(
            header: agent_vtable_header(
                struct_size: UInt32(MemoryLayout<agent_upgrader_v1>.size), protocol_major: 1, protocol_minor: 0),
            invoke: upgraderInvoke, cancel: upgraderCancel))
    return vt
}()

private let upgraderInvoke:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { raw, id, methodBytes, paramsBytes, done, doneCtx in
        guard let box = UpgraderBox.from(raw), let done else { return ABI.invalidArgument }
        let method = Bytes.string(methodBytes)
        // handled: params that are not a JSON object (empty means none) are refused with invalid_argument.
        guard let params = Bytes.invokeParams(paramsBytes) else { return ABI.invalidArgument }
        let provider = box.provider
        return bridgeCancellableInvoke(method, params, done, doneCtx, track: box.inFlight.tracker(id)) { method, params throws(PluginError) in
            try await provider.invoke(method: method, params: params)
        }
    }

private let upgraderCancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { raw, id in
    UpgraderBox.from(raw)?.inFlight.cancel(id)
}

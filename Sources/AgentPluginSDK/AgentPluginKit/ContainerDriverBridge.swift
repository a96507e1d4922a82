import AgentJSON
import CAgentABI
import Synchronization

/// Boxes a plugin's ``ContainerDriverProvider`` behind `agent_container_driver_v1`. The
/// instance pointer is a retained `DriverBox` (never released: the registry may hold it).
final class DriverBox: Sendable {
    let provider: any ContainerDriverProvider
    /// In-flight invocations by request id (for `cancel`).
    let inFlight = InFlightTable()
    /// Live subscriptions by id.
    let subscriptions = SubscriptionTable()

    init(_ provider: any ContainerDriverProvider) { self.provider = provider }

    static func from(_ raw: UnsafeMutableRawPointer?) -> DriverBox? {
        raw.map { Unmanaged<DriverBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The vtable shared by every Swift container driver (allocated once per library).
nonisolated(unsafe) let driverVTable: UnsafeMutablePointer<agent_container_driver_v1> = {
    let vt = UnsafeMutablePointer<agent_container_driver_v1>.allocate(capacity: 1)
    vt.initialize(
        to: agent_container_driver_v1(
            header: agent_vtable_header(
                struct_size: UInt32(MemoryLayout<agent_container_driver_v1>.size), protocol_major: 1, protocol_minor: 0),
            invoke: driverInvoke, cancel: driverCancel, subscribe: driverSubscribe, unsubscribe: driverUnsubscribe))
    return vt
}()

private let driverInvoke:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { raw, id, methodBytes, paramsBytes, done, doneCtx in
        guard let box = DriverBox.from(raw), let done else { return ABI.invalidArgument }
        let method = Bytes.string(methodBytes)
        // handled: params that are not a JSON object are refused with invalid_argument.
        guard let params = (try? JSONParser.parse(Bytes.copy(paramsBytes)))?.objectValue else { return ABI.invalidArgument }
        let provider = box.provider
        return bridgeCancellableInvoke(method, params, done, doneCtx, track: box.inFlight.tracker(id)) { method, params throws(PluginError) in
            try await provider.invoke(method: method, params: params)
        }
    }

private let driverCancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { raw, id in
    DriverBox.from(raw)?.inFlight.cancel(id)
}

private let driverSubscribe:
    @convention(c) (
        UnsafeMutableRawPointer?, agent_bytes, agent_event_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?
    ) -> Int32 = { raw, filterBytes, onEvent, ctx, out in
        guard let box = DriverBox.from(raw), let onEvent, let out else { return ABI.invalidArgument }
        // A filter that is not a JSON object is refused, never read as "every event" (`{}` is that).
        // handled: the caller gets invalid_argument (ProtocolHandle.subscribe throws `invalid_filter`).
        guard let filter = (try? JSONParser.parse(Bytes.copy(filterBytes)))?.objectValue else { return ABI.invalidArgument }
        do throws(PluginError) {
            out.pointee = box.subscriptions.add(
                try box.provider.subscribe(filter: filter, onEvent: SubscriptionTable.forwarder(onEvent, ctx)))
            return ABI.ok
        } catch {
            return error.status
        }
    }

private let driverUnsubscribe: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { raw, id in
    DriverBox.from(raw)?.subscriptions.remove(id)
}

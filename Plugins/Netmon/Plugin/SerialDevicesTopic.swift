import AgentContracts
import AgentJSON
import AgentPluginKit
import NetmonCache

/// `get_serial_devices` (spec §2.7): the host's serial devices from the listener's cache of the
/// sidecar's `device_discovery` / `device_change` events (never a live query). Contract:
/// `BASE_MESSAGE`, with upstream's `add_defaults`. Always `success` (an empty list when the
/// sidecar reported none or is not connected), as upstream.
struct SerialDevicesTopic: Sendable {
    static let name = "get_serial_devices"
    static let contract = NetmonContracts.serialDevices

    let state: NetworkState

    var topic: Topic {
        let state = self.state
        return Topic(Self.name, contract: Self.contract.readingOnly(), addDefaults: true) { _ in
            await state.gate.wait(timeout: HostInterfacesTopic.startupWait)
            return state.devices.report
        }
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Follows the netmon listener's events for as long as the plugin runs and hands them on:
/// interface changes to the ``NetworkMover``, leases (`dhcp_update`) and sidecar reconnects
/// (DHCP resync) to the ``DHCPCoordinator``. Without a listener it keeps looking for one. Owns
/// no state.
struct NetmonWatcher: Sendable {
    let host: PluginHost
    let netmon: any NetmonClient
    let mover: NetworkMover
    let dhcp: DHCPCoordinator
    /// Serial passthrough: fed the sidecar's device events.
    var serial: SerialPorts? = nil

    /// Subscribes (again after every end of the stream, 1 s apart) until cancelled. What happened
    /// before a subscription (the sidecar's greeting, leases bound meanwhile) is read once right
    /// after it, so nothing depends on having been subscribed early.
    func watch() async {
        while !Task.isCancelled {
            do throws(PluginError) {
                guard let stream = try netmon.events() else {
                    try? await Task.sleep(for: .seconds(1))  // harmless: cancelled at shutdown, the loop then ends
                    continue
                }
                let watcher = self
                Task {
                    await watcher.syncInterfaces()
                    await watcher.dhcp.resync()
                    await watcher.serial?.syncDevices()
                }
                for await event in stream { await handle(event.kind, event.payload) }
            } catch {
                host.log(.warning, "netmon events unavailable", metadata: ["error": error.message])
            }
            try? await Task.sleep(for: .seconds(1))  // harmless: cancelled at shutdown, the loop then ends
        }
    }

    /// Handles the listener's current interface table as if it had just been discovered; a
    /// failed read is logged (interface events and the periodic check catch up).
    func syncInterfaces() async {
        let answer: JSONObject
        do throws(PluginError) {
            guard let table = try await netmon.interfaceTable() else { return }
            answer = table
        } catch {
            host.log(
                .warning, "could not read the netmon listener's interface table: interface events and the periodic check catch up",
                metadata: ["code": error.code, "error": error.message])
            return
        }
        for i in answer["interfaces"]?.arrayValue ?? [] {
            if let info = i.objectValue { await mover.interfaceChanged(info) }
        }
    }

    /// One listener event (`netmon.connected`, `network_discovery`, `network_change`,
    /// `dhcp_update`, `device_discovery`, `device_change`); others are ignored.
    func handle(_ kind: String, _ payload: JSONObject) async {
        switch kind {
        case "netmon.connected":
            let dhcp = self.dhcp
            Task { await dhcp.resync() }
        case "network_discovery":
            for i in payload["interfaces"]?.arrayValue ?? [] {
                if let info = i.objectValue { await mover.interfaceChanged(info) }
            }
        case "network_change":
            await mover.interfaceChanged(payload)
        case "device_discovery", "device_change":
            await serial?.deviceEvent(kind, payload)
        case "dhcp_update":
            if let lease = DHCPLease(update: payload, now: WallClock.iso(WallClock.now())) {
                await dhcp.record(lease)
                host.log(.info, "DHCP lease", metadata: ["device": lease.device, "vnic": lease.vnic, "event": lease.event, "ip": lease.ip ?? "-"])
            }
        default:
            break
        }
    }
}

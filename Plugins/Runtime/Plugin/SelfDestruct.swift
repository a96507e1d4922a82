import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Performs `delete_orchestrator` (spec §5.5): deletes every vPLC (each through its own device
/// queue, so nothing races; its DHCP clients and networks go with it), then every unused network
/// the agent made, then every WiFi proxy-ARP bridge the sidecar made, then the netmon sidecar's container and a leftover upgrader, and last the
/// agent's own container. Kept, as upstream keeps them: the certificates, the images, the shared
/// volume and this agent's state folder. Owns no state.
struct SelfDestruct: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let networks: EngineNetworks
    let ownContainer: OwnContainer
    /// WiFi bridges (`cleaning_proxy_arp`).
    let wifi: WifiUplinks

    /// The self-destruct's last step: removing the agent's own container.
    static let selfRemovalStep = "removing_self"

    /// Every step is journaled before it runs, so `get_device_status("__orchestrator__")` shows
    /// progress and a failure until the end. The last step removes the process that runs it: the
    /// journal then says `removing_self`, and a later start on the same state folder concludes
    /// it as done instead of running it again (``Recovery``). An agent that does not run in a
    /// container (a host service) ends at that step and leaves its service to the installer.
    /// - Parameter runDelete: runs one journaled delete to its end (the operation runner's run).
    /// - Throws: `self_destruct_incomplete` naming the vPLCs it could not delete (nothing after
    ///   that step ran), `self_remove_failed`, the engine's or the store's error.
    func perform(_ op: inout OperationRecord, runDelete: @escaping @Sendable (OperationRecord) async -> Void) async throws(RuntimeError) {
        try await journal.step(&op, "deleting_runtimes")
        var failures: [String] = []
        for record in try store.records() {
            let device = record.deviceID
            let delete = OperationRecord(
                id: journal.newOperationID(), deviceID: device, kind: .delete, correlationID: .null,
                now: WallClock.iso(WallClock.now()))
            try store.put(delete)
            await journal.begin(delete)
            await journal.enqueue(device) { await runDelete(delete) }
            await journal.drain(device)
            if try store.record(device) != nil { failures.append(device) }
        }
        guard failures.isEmpty else {
            throw RuntimeError("self_destruct_incomplete", "could not delete: \(failures.joined(separator: ", "))")
        }
        try await journal.step(&op, "cleaning_networks")
        let managed = try await engine.call("network.list", ["labels": [Naming.managedLabel: "true"]]).arrayValue ?? []
        try await networks.gate.run { () async throws(RuntimeError) in
            for n in managed {
                if let name = n.objectValue?["name"]?.stringValue { try await engine.removeNetworkIfUnused(name) }
            }
        }
        try await journal.step(&op, "cleaning_proxy_arp")
        do {
            if let removed = try await wifi.cleanupAll(), removed > 0 {
                host.log(.notice, "self-destruct: removed WiFi proxy-ARP bridges", metadata: ["veths": "\(removed)"])
            }
        } catch {
            // The vPLCs are gone: a leftover bridge has no namespace behind it; upstream goes on too.
            host.log(.warning, "self-destruct: WiFi bridges not cleaned", metadata: ["code": error.code, "error": error.message])
        }
        try await journal.step(&op, "removing_netmon")
        try await removeContainerIfPresent(Naming.netmonContainer)
        if let upgrader = try await engine.inspect(Naming.upgraderContainer),
            upgrader["state"]?.objectValue?["running"]?.boolValue != true
        {
            try await removeContainerIfPresent(Naming.upgraderContainer)
        }
        try await journal.step(&op, Self.selfRemovalStep)
        // Only the container the process is seen to run in (its id in /proc/self/mountinfo), never
        // one found by name: a host service must not remove a container that merely has the
        // agent's name (a Python agent's kept for a rollback, say).
        guard !host.isOneShot, let own = ownContainer.mountinfoContainerID(), let me = try await engine.inspect(own),
            let id = me["id"]?.stringValue
        else {
            host.log(.notice, "self-destruct: the agent does not run in a container; its service is left to the installer")
            return
        }
        host.log(.notice, "self-destruct: removing the agent's own container", metadata: ["container": me["name"]?.stringValue ?? id])
        do {
            _ = try await engine.call("container.remove", ["id": .string(id), "force": true])
        } catch {
            throw RuntimeError("self_remove_failed", "could not remove the agent's own container \(id): \(error.message)")
        }
    }

    /// Removes a container by name with force; absent is fine.
    private func removeContainerIfPresent(_ name: String) async throws(RuntimeError) {
        guard try await engine.inspect(name) != nil else { return }
        _ = try await engine.call("container.remove", ["id": .string(name), "force": true])
        host.log(.notice, "self-destruct: removed a container", metadata: ["container": name])
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

extension VPLCService {
    /// `delete_orchestrator` (spec §5.5): deletes every vPLC (each through its own device queue,
    /// so nothing races; its DHCP clients and networks go with it), then every unused network the
    /// agent made, then the netmon sidecar's container and a leftover upgrader, and last the
    /// agent's own container. Kept, as upstream keeps them: the certificates, the images, the
    /// shared volume and this agent's state folder.
    ///
    /// Every step is journaled before it runs, so `get_device_status("__orchestrator__")` shows
    /// progress and a failure until the end. The last step removes the process that runs it: the
    /// journal then says `removing_self`, and a later start on the same state folder concludes
    /// it as done instead of running it again (``replayJournal()``). An agent that does not run
    /// in a container (a host service) ends at that step and leaves its service to the installer.
    func performSelfDestruct(_ op: inout OperationRecord) async throws(RuntimeError) {
        try await step(&op, "deleting_runtimes")
        var failures: [String] = []
        for record in try store.records() {
            let device = record.deviceID
            let delete = OperationRecord(
                id: newOperationID(), deviceID: device, kind: .delete, correlationID: .null,
                now: WallClock.iso(WallClock.now()))
            try store.put(delete)
            await live.begin(delete)
            await queue.enqueue(device) { [self] in await self.run(delete) }
            await queue.drain(device)
            if try store.record(device) != nil { failures.append(device) }
        }
        guard failures.isEmpty else {
            throw RuntimeError("self_destruct_incomplete", "could not delete: \(failures.joined(separator: ", "))")
        }
        try await step(&op, "cleaning_networks")
        let networks = try await engine.call("network.list", ["labels": [Naming.managedLabel: "true"]]).arrayValue ?? []
        try await networkGate.run { () async throws(RuntimeError) in
            for n in networks {
                if let name = n.objectValue?["name"]?.stringValue { try await engine.removeNetworkIfUnused(name) }
            }
        }
        try await step(&op, "removing_netmon")
        try await removeContainerIfPresent(Naming.netmonContainer)
        if let upgrader = try await engine.inspect(Naming.upgraderContainer),
            upgrader["state"]?.objectValue?["running"]?.boolValue != true
        {
            try await removeContainerIfPresent(Naming.upgraderContainer)
        }
        try await step(&op, Self.selfRemovalStep)
        // Only the container the process is seen to run in (its id in /proc/self/mountinfo), never
        // one found by name: a host service must not remove a container that merely has the
        // agent's name (a Python agent's kept for a rollback, say).
        guard !oneShot, let own = mountinfoContainerID(), let me = try await engine.inspect(own), let id = me["id"]?.stringValue
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

    /// The self-destruct's last step: removing the agent's own container.
    static let selfRemovalStep = "removing_self"

    /// Removes a container by name with force; absent is fine.
    private func removeContainerIfPresent(_ name: String) async throws(RuntimeError) {
        guard try await engine.inspect(name) != nil else { return }
        _ = try await engine.call("container.remove", ["id": .string(name), "force": true])
        host.log(.notice, "self-destruct: removed a container", metadata: ["container": name])
    }

    /// `get_orchestrator_version` (spec §2.10).
    func version() async -> JSONObject {
        var netmonVersion: JSONValue = "unknown"
        // harmless: a query; "unknown" is the answer when the listener cannot say
        if let netmon = host.lookup("agent.netmon"), let v = try? await netmon.invoke("version") {
            netmonVersion = v.objectValue?["version"] ?? v
        }
        var imageID: JSONValue = "unknown"
        // harmless: a query; "unknown" is the answer when the engine cannot say
        if let me = try? await ownContainer(), let image = me["image_id"] ?? me["image"] {
            imageID = image
        }
        return [
            "status": "success", "orchestrator_version": host.config("agent.version") ?? "unknown",
            "netmon_version": netmonVersion, "orchestrator_image_id": imageID,
        ]
    }
}

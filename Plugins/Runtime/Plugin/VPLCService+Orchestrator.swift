import AgentJSON
import AgentPluginKit
import RuntimeModel

extension VPLCService {
    /// `delete_orchestrator` (spec §5.5, scoped to what this plugin owns): deletes every vPLC
    /// (each through its own device queue, so nothing races), then every unused network the agent
    /// made. The agent's own files and service are the installer's (`install.sh --uninstall`).
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
        try await step(&op, "removing_self")
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

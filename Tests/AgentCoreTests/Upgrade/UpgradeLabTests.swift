import AgentJSON
import Foundation
import LabSupport
import Testing

/// Self-upgrade end to end on the lab engine (docs/upgrade.md): the agent runs in a container
/// from a locally built image, and `upgrade_orchestrator` through the cloud moves it to another
/// image, keeping it only if the new agent connects and passes its self-check in time; a vPLC
/// created before stays untouched throughout.
@Suite("Upgrade lab: upgrade_orchestrator between two lab-built agent images", .serialized,
       .requires(DockerLab.isAvailable && FileManager.default.fileExists(atPath: BuildProducts.executable("orchestrator-agent")), "needs the Docker lab and the built agent"))
struct UpgradeLabTests {
    static let v1 = "orchestrator-agent:lab-v1"
    static let v2 = "orchestrator-agent:lab-v2"
    static let bad = "orchestrator-agent:lab-bad"

    @Test("v1 → v2 succeeds; v2 → a broken image rolls back to v2; the vPLC never moves; then delete_orchestrator removes it all", .timeLimit(.minutes(20)))
    func upgradeThenRollback() async throws {
        let site = try await DockerLab.blocking {
            try InstalledAgentSite(images: .labImages([(Self.v1, "1.0.0-lab", false), (Self.v2, "2.0.0-lab", true)]))
        }
        defer { site.shutdown() }
        // The broken one: the same files, but HOME elsewhere, so `~/.mtls` holds no certificate and
        // the new agent never connects (an image whose environment is wrong for the site).
        try await DockerLab.blocking { try site.derive(Self.bad, from: Self.v2, env: ["HOME=/nonexistent", "AGENT_VERSION=3.0.0-bad"]) }
        try await DockerLab.blocking { try site.startAgent(Self.v1) }
        #expect(
            await site.eventually(60) { try await !site.cloud.liveConnections().isEmpty },
            "the v1 agent did not connect:\n\(site.logs(InstalledAgentSite.agentName))")
        #expect(try await site.call("get_orchestrator_version")["orchestrator_version"] == "1.0.0-lab")

        // A vPLC, made through the cloud.
        let device = "upg-plc"
        let create = try await site.call(
            "create_new_runtime",
            [
                "container_name": .string(device),
                "vnic_configs": [
                    [
                        "name": "lan", "parent_interface": .string(site.lab.parentInterface), "network_mode": "static",
                        "ip": .string(site.lab.lanAddress(31)), "subnet": .string(site.lab.lanSubnet),
                        "gateway": .string(site.lab.lanGateway),
                    ]
                ],
            ])
        let createID = try #require(create["operation_id"]?.stringValue, "\(create)")
        let created = await site.eventually(60) {
            try await site.updates().contains { $0["operation_id"]?.stringValue == createID && $0["status"] == "succeeded" }
        }
        let seen = (try? await site.updates()) ?? []
        #expect(created, "the vPLC was not created: \(seen)\n\(site.logs(InstalledAgentSite.agentName))")
        let plcBefore = try #require(try await site.inspect(device))
        let plcID = plcBefore["Id"]
        let plcStarted = plcBefore["State"]?.objectValue?["StartedAt"]
        let v1Image = try await site.imageID(Self.v1)
        #expect(try await site.call("get_orchestrator_version")["orchestrator_image_id"] == v1Image.map(JSONValue.string))

        // v1 → v2.
        let pinsBefore = try site.sitePins()
        let clock = ContinuousClock()
        var t0 = clock.now
        let ack = try await site.call("upgrade_orchestrator", ["image": .string(Self.v2), "deadline_s": 60])
        #expect(ack["status"] == "accepted", "\(ack)")
        #expect(ack["poll_device_id"] == "__orchestrator__")
        let upgradeID = try #require(ack["operation_id"]?.stringValue)
        let v2Image = try await site.imageID(Self.v2)
        #expect(
            await site.eventually(120) {
                let v = try await site.call("get_orchestrator_version", timeout: 3)
                return v["orchestrator_version"] == "2.0.0-lab" && v["orchestrator_image_id"] == v2Image.map(JSONValue.string)
            }, "v2 never answered:\n\(site.logs(InstalledAgentSite.agentName))\n\(site.logs("orchestrator_upgrader"))")
        let upgradeSeconds = (clock.now - t0).seconds
        let final = try await finalUpdate(site, upgradeID)
        #expect(final["status"] == "succeeded", "\(final)")
        #expect(final["from"] == .string(Self.v1))
        #expect(final["to"] == .string(Self.v2))
        #expect(final["device_id"] == "__orchestrator__")
        #expect(final["operation"] == "upgrade")
        // The old agent's own end of the operation came first, at `upgrader_spawned`.
        #expect(try await site.updates().contains {
            $0["operation_id"]?.stringValue == upgradeID && $0["step"] == "upgrader_spawned" && $0["status"] == "succeeded"
        })
        #expect(await site.eventually(30) { try await !site.containerNames().contains("orchestrator_upgrader") })
        let names = try await site.containerNames()
        #expect(!names.contains("orchestrator_agent_previous"), "\(names)")
        #expect(try await site.inspect(InstalledAgentSite.agentName)?["Image"] == v2Image.map(JSONValue.string))
        #expect(
            try await site.inspect(InstalledAgentSite.agentName)?["HostConfig"]?.objectValue?["RestartPolicy"]?.objectValue?["Name"]
                == "unless-stopped")
        try await expectUntouched(site, device, id: plcID, started: plcStarted)
        let reported = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: site.stateDirectory + "/upgrade/last.reported.json"))))
        #expect(reported.objectValue?["result"] == "succeeded")
        // v2's host-topics plugin has other bytes: the site config (the host's, mounted read-only
        // into the agent) now pins v2's, and every plugin of the new agent loaded.
        let pinsNow = try site.sitePins()
        #expect(pinsNow != pinsBefore, "the site config still pins v1's plugins")
        #expect(pinsNow["io.autonomy.docker"] == pinsBefore["io.autonomy.docker"])
        let health = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: site.stateDirectory + "/health.json"))))
        #expect(health.objectValue?["version"] == "2.0.0-lab")
        #expect(health.objectValue?["self_check"] == "ok", "\(health)")
        #expect(health.objectValue?["connected"] == true)
        let helperSeconds = final["seconds"]?.numberValue ?? -1

        // v2 → a broken image with a short deadline: rolled back to v2.
        t0 = clock.now
        let badAck = try await site.call("upgrade_orchestrator", ["image": .string(Self.bad), "deadline_s": 20])
        #expect(badAck["status"] == "accepted", "\(badAck)")
        let badID = try #require(badAck["operation_id"]?.stringValue)
        let rolled = try await finalUpdate(site, badID, seconds: 180)
        let rollbackSeconds = (clock.now - t0).seconds
        #expect(rolled["status"] == "rolled_back", "\(rolled)")
        #expect(rolled["code"] == "health_deadline", "\(rolled)")
        #expect(rolled["from"] == .string(Self.v2))
        #expect(rolled["to"] == .string(Self.bad))
        #expect(
            await site.eventually(60) { try await site.call("get_orchestrator_version", timeout: 3)["orchestrator_version"] == "2.0.0-lab" })
        #expect(try await site.inspect(InstalledAgentSite.agentName)?["Image"] == v2Image.map(JSONValue.string))
        #expect(
            try await site.inspect(InstalledAgentSite.agentName)?["HostConfig"]?.objectValue?["RestartPolicy"]?.objectValue?["Name"]
                == "unless-stopped", "the restart policy turned off for the switch is restored")
        let badImage = try await site.imageID(Self.bad)
        #expect(await site.eventually(30) { try await !site.containerNames().contains("orchestrator_upgrader") })
        for name in try await site.containerNames() {
            #expect(try await site.inspect(name)?["Image"] != badImage.map(JSONValue.string), "\(name) runs the bad image")
        }
        #expect(!(try await site.containerNames()).contains("orchestrator_agent_previous"))
        try await expectUntouched(site, device, id: plcID, started: plcStarted)
        #expect(try site.sitePins() == pinsNow, "a rollback leaves the site config as the running agent needs it")
        let last = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: site.stateDirectory + "/upgrade/last.reported.json"))))
        #expect(last.objectValue?["result"] == "rolled_back")
        // The failed upgrade stays visible on the pseudo device (it read `not_found` before).
        let orchestrator = try await site.call("get_device_status", ["device_id": "__orchestrator__"])
        #expect(orchestrator["status"] == "error" && orchestrator["code"] == "health_deadline", "\(orchestrator)")
        #expect(orchestrator["operation"] == "upgrade" && orchestrator["operation_id"] == .string(badID))
        print(
            "upgrade figures: v1→v2 \(String(format: "%.1f", upgradeSeconds)) s until v2 answered (helper \(String(format: "%.1f", helperSeconds)) s);"
                + " v2→bad rolled back, verdict after \(String(format: "%.1f", rollbackSeconds)) s (helper \(rolled["seconds"]?.numberValue ?? -1) s, deadline 20 s)")

        try await selfDestruct(site, device: device, images: [Self.v1, Self.v2])
    }

    /// `delete_orchestrator` on the installed agent: the vPLC, its networks, the sidecar's
    /// container (a stand-in under the installer's name) and the agent's own container go; the
    /// images, the certificates and the state folder stay. An agent started again on that state
    /// folder concludes the self-destruct instead of running it again (it would remove itself).
    private func selfDestruct(_ site: InstalledAgentSite, device: String, images: [String]) async throws {
        _ = try await DockerLab.blocking {
            try site.docker(["run", "-d", "--name", "autonomy_netmon", "--network", "none", site.lab.runtimeImage])
        }
        let ack = try await site.call("delete_orchestrator")
        #expect(ack["status"] == "accepted" && ack["poll_device_id"] == "__orchestrator__", "\(ack)")
        let operationID = try #require(ack["operation_id"]?.stringValue, "\(ack)")
        let gone = await site.eventually(120) {
            guard try await site.inspect(InstalledAgentSite.agentName) == nil else { return false }
            return try await site.cloud.liveConnections().isEmpty
        }
        #expect(gone, "the agent did not remove itself:\n\(site.logs(InstalledAgentSite.agentName))")
        let names = try await site.containerNames()
        #expect(!names.contains(device) && !names.contains("autonomy_netmon"), "\(names)")
        let networks = try await site.lab.engineAPI("GET", "/networks").json?.arrayValue ?? []
        let left = networks.compactMap { $0.objectValue?["Name"]?.stringValue }.filter { $0.hasPrefix("macvlan_") || $0.hasSuffix("_internal") }
        #expect(left.isEmpty, "networks left: \(left)")
        for image in images { #expect(try await site.imageID(image) != nil, "\(image) was removed") }
        #expect(FileManager.default.fileExists(atPath: site.root + "/mtls/client.key"), "the certificates stay")

        // Installed again on the same state folder: the journal says the last step ran, so the
        // new agent reports the self-destruct done and stays.
        try await DockerLab.blocking { try site.startAgent(images[images.count - 1]) }
        let concluded = await site.eventually(60) {
            try await site.updates().contains { $0["operation_id"]?.stringValue == operationID && $0["status"] == "succeeded" }
        }
        let seen = (try? await site.updates()) ?? []  // harmless: only for the failure message
        #expect(concluded, "no end event for the self-destruct: \(seen)\n\(site.logs(InstalledAgentSite.agentName))")
        let status = try await site.call("get_device_status", ["device_id": "__orchestrator__"])
        #expect(status["status"] == "success" && status["operation"] == "self_destruct" && status["step"] == "removed_self", "\(status)")
        #expect(try await site.inspect(InstalledAgentSite.agentName)?["State"]?.objectValue?["Running"] == true)
    }

    /// The helper's final word for `operationID`, as the next agent reports it.
    private func finalUpdate(_ site: InstalledAgentSite, _ operationID: String, seconds: Double = 120) async throws -> JSONObject {
        var found: JSONObject? = nil
        _ = await site.eventually(seconds) {
            found = try await site.updates().last { $0["operation_id"]?.stringValue == operationID && $0["final"] == true }
            return found != nil
        }
        guard let found else {
            throw LabError(
                "no final operation_update for \(operationID): \(try await site.updates())\n\(site.logs(InstalledAgentSite.agentName))")
        }
        return found
    }

    /// The vPLC's container is the same one, never restarted, and still listed.
    private func expectUntouched(_ site: InstalledAgentSite, _ device: String, id: JSONValue?, started: JSONValue?) async throws {
        let now = try #require(try await site.inspect(device))
        #expect(now["Id"] == id)
        #expect(now["State"]?.objectValue?["StartedAt"] == started)
        #expect(now["State"]?.objectValue?["Running"] == true)
        #expect(now["RestartCount"] == 0)
        let list = try await site.call("list_devices")
        #expect(list["devices"]?.arrayValue?.contains { $0.objectValue?["device_id"] == .string(device) } == true, "\(list)")
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

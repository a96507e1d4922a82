import AgentJSON
import AgentPluginTestKit
import RuntimeModel
import Testing

/// The vPLC plugin reads `engine.capabilities` where the engines differ, never a driver's id:
/// an engine whose driver lacks what a topic needs is refused with `engine_unsupported`, naming
/// the engine and the capability, before anything is journaled or touched.
@Suite("vPLC plugin on the test kit: engine capabilities")
struct RuntimeEngineCapabilityTests {
    /// Podman's answer (docs/container-driver.md, "Engines compared").
    static let podman: JSONObject = [
        "engine": "podman", "per_network_mac": true, "wiring": "endpoints_at_create", "events": "docker",
        "restart_policy_update": false, "device_node": false, "network_lists_stopped_containers": false,
        "remove_network_in_use": false, "image_load": true, "upgrader": false,
    ]

    @Test("upgrade_orchestrator on an engine without agent.upgrader: engine_unsupported naming the engine and the capability; nothing journaled or started")
    func upgradeRefusedWithoutUpgrader() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            bed.engine.setCapabilities(Self.podman)
            try bed.loadRuntime(["agent_image": "ghcr.io/autonomy-logic/orchestrator-agent:2"])
            let before = bed.engine.calls.count
            let answer = await host.call("upgrade_orchestrator", [:])
            #expect(answer["status"] == "error" && answer["code"] == "engine_unsupported", "\(answer)")
            let message = answer["error"]?.stringValue ?? ""
            #expect(message.contains("podman") && message.contains("upgrader") && message.contains("agent.upgrader"), "\(answer)")
            #expect(answer["operation_id"] == nil, "no operation was started: \(answer)")
            let after = bed.engine.calls.dropFirst(before).map(\.method)
            #expect(after.contains("engine.capabilities"), "\(after)")
            #expect(!after.contains { ["container.create", "container.start", "image.pull", "image.inspect"].contains($0) }, "\(after)")
            let status = await host.call("get_device_status", ["device_id": "__orchestrator__"])
            #expect(status["status"] != "upgrading" && status["operation"] != "upgrade", "nothing journaled: \(status)")
        }
    }

    @Test("upgrade_orchestrator on an engine with agent.upgrader, or a driver without engine.capabilities: accepted (the launch then fails outside a container)",
          arguments: [true, false])
    func upgradeAcceptedWithUpgrader(capabilitiesKnown: Bool) async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            if !capabilitiesKnown { bed.engine.setCapabilities(nil) }
            try bed.loadRuntime(["agent_image": "ghcr.io/autonomy-logic/orchestrator-agent:2"])
            // The start's journal replay concludes any active upgrade it finds as interrupted,
            // also one accepted a moment ago: send only after it ran (the upgrade report, started
            // right after it, looks for the upgrader container).
            _ = try await host.awaitEffect("the start's recovery has run") {
                bed.engine.calls.contains { $0.method == "container.inspect" && $0.params["id"] == "orchestrator_upgrader" } ? true : nil
            }
            let (ack, end) = try await bed.operate("upgrade_orchestrator", [:])
            #expect(ack["status"] == "accepted", "\(ack)")
            // Past the capability check: the launch looks for the agent's own container.
            #expect(end["status"] == "failed" && end["code"] == "not_in_container", "\(end)")
        }
    }

    @Test("a refusal needs an explicit false: unknown keys and a missing answer refuse nothing")
    func capabilityReading() throws {
        let unknown = EngineCapabilities(answer: nil)
        #expect(unknown.has(.upgrader) && unknown.engine == "unknown")
        #expect(EngineCapabilities(answer: ["engine": "docker"]).has(.upgrader))
        let podman = EngineCapabilities(answer: Self.podman)
        #expect(!podman.has(.upgrader))
        #expect(throws: RuntimeError.self) { try podman.require(.upgrader) }
        do {
            try podman.require(.upgrader)
        } catch {
            #expect(error.code == "engine_unsupported")
            #expect(error.message.contains("upgrade_orchestrator") && error.message.contains("the podman engine"), "\(error.message)")
        }
    }
}

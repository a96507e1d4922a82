import AgentJSON
import AgentPluginTestKit
import RuntimeTopics
import Testing

/// The start's journal replay concerns what an earlier process left in flight, never what this
/// process accepted meanwhile.
@Suite("vPLC plugin on the test kit: the start's recovery")
struct RuntimeRecoveryTests {
    @Test("a create accepted while the start's recovery waits for the driver is run once, not rolled back as interrupted")
    func createDuringRecovery() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            // No driver yet: the recovery waits for one (up to 30 s) before it replays the journal.
            let engine = FakeContainerEngine(images: [RuntimeTestBed.image])
            let netmon = FakeNetmon()
            netmon.set(RuntimeTestBed.lan)
            host.register(netmon: netmon)
            host.register(transport: FakeTransport())
            // The create pauses at starting_container: still in flight when the replay reads the journal.
            var settings = RuntimeTestBed.settings
            settings["fault_injection"] = ["pause_at_step": "starting_container", "pause_ms": 600]
            try host.load(RuntimePlugin.self, config: settings)
            let ack = await host.call("create_new_runtime", RuntimeTestBed.create("plc1"))
            let id = try #require(ack["operation_id"]?.stringValue, "\(ack)")
            // The create is journaled and waits for the driver too; now both go on.
            host.register(containerDriver: engine)
            let end = try await host.event("operation_update") { e in
                e["operation_id"]?.stringValue == id && ["succeeded", "failed", "rolled_back"].contains(e["status"]?.stringValue ?? "")
            }
            #expect(end.payload["status"] == "succeeded", "\(end.payload)")
            #expect(engine.calls.filter { $0.method == "container.create" }.count == 1, "\(engine.calls.map(\.method))")
            #expect(engine.status(of: "plc1") == "running")
        }
    }
}

import AgentJSON
import AgentPluginKit
import AgentPluginTestKit
import HostTopics
import MTLSTransport
import Testing

/// The host-topics and mTLS transport plugins on the test kit.
@Suite("Host topics and transport on the test kit")
struct HostAndTransportKitTests {
    @Test("heartbeats go out through a connected transport with the host's figures, none while it is down")
    func heartbeat() async throws {
        try await TestHost.with(config: ["agent": ["version": "9.9.9"]]) { host in
            let transport = FakeTransport(connected: false)
            host.register(transport: transport)
            try host.load(HostTopicsPlugin.self, config: ["heartbeat_interval_ms": 100])
            // Three periods while disconnected: nothing is sent (heartbeats are never queued).
            _ = try await host.awaitEffect("three heartbeat periods") {
                transport.statusQueries >= 3 ? true : nil
            }
            #expect(transport.sent.isEmpty)
            transport.setConnected(true)
            let beat = try await host.awaitEffect("a heartbeat") { transport.sent.first { $0.topic == "heartbeat" } }
            #expect(beat.payload["agent_version"] == "9.9.9")
            #expect(beat.payload["status"] == "active")
            #expect((beat.payload["memory_total"]?.numberValue ?? 0) > 0, "\(beat.payload)")
        }
    }

    @Test("get_consumption_orchestrator answers the host's facts; a bad interval fails the load with its field")
    func consumption() async throws {
        try await TestHost.with { host in
            try host.load(HostTopicsPlugin.self)
            let refused = await host.call("get_consumption_orchestrator", ["correlation_id": 4])
            #expect(refused["code"] == "missing_field")
            #expect(refused["field"] == "cpuPeriod")
            let answer = await host.call(
                "get_consumption_orchestrator", ["correlation_id": 4, "cpuPeriod": "1h", "memoryPeriod": "1h"])
            #expect(answer["status"] != "error", "\(answer)")
            #expect(answer["correlation_id"] == 4)
            #expect { try host.load(HostTopicsPlugin.self, config: ["heartbeat_interval_ms": 5]) } throws: { error in
                "\(error)".contains("heartbeat_interval_ms")
            }
        }
    }

    @Test("the transport registers as agent.transport, reports itself down before start, refuses unqueued sends")
    func transport() async throws {
        try await TestHost.with { host in
            try host.load(TransportPlugin.self)
            let link = try #require(host.lookup("agent.transport"))
            let status = try await link.invoke("status").objectValue ?? [:]
            #expect(status["connected"] == false, "\(status)")
            #expect(status["queued"] == 0)
            do {
                try await link.send("heartbeat", ["x": 1], queue: false)
                Issue.record("an unqueued send while down succeeded")
            } catch let error as PluginError {
                #expect(error.status == 4, "\(error)")  // AGENT_E_BUSY
            }
            try await link.send("operation_update", ["x": 1], queue: true)
            #expect(try await link.invoke("status").objectValue?["queued"] == 1)
            await #expect(throws: PluginError.self) { try await link.invoke("nope") }
        }
    }
}

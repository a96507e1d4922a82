import AgentJSON
import Foundation
import LabSupport
import Testing

/// The agent against the real python-socketio lab cloud over mTLS (scripts/lab). Serialized:
/// each test starts its own cloud and agent processes.
@Suite("Cloud link: mTLS Socket.IO transport against the lab cloud", .serialized, .labThreads)
struct CloudLinkTests {
    @Test("connects with mTLS; the cloud sees the certificate's CN")
    func connectsWithCN() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        let conn = try await cloud.liveConnections().first
        #expect(conn?["cn"] == "07048933")
        #expect(conn?["transport"] == "websocket")
        #expect(await agent.log.waitFor("connected to the cloud", seconds: 5))
        // SIGTERM with a live link: the agent says goodbye (Socket.IO and Engine.IO close, then
        // the WebSocket close), the cloud records a client disconnect, the process exits 0.
        // (How quickly is measured by scripts/bench, not here.)
        agent.process.terminate()
        #expect(await agent.log.waitFor("agent stopped", seconds: 10))
        #expect(try await cloud.waitUntil(seconds: 5) { try await cloud.liveConnections().isEmpty })
        #expect(try await cloud.connections().first?["disconnect_reason"] == "client disconnect")
        #expect(waitExit(agent.process, seconds: 15) == 0)
    }

    /// A stop that lands while the link is being made (found by scripts/bench-link: the session
    /// went live after the stop, the event loop was shut down under it, the agent hung 20 s).
    @Test("SIGTERM while connecting: the agent exits at once and cleanly, and leaves no connection behind")
    func stopWhileConnecting() async throws {
        let cloud = try LabCloud()
        for round in 0..<12 {
            let agent = try AgentUnderTest(cloud: cloud)
            #expect(await agent.log.waitFor("connecting to", seconds: 10))
            agent.process.terminate()
            #expect(waitExit(agent.process, seconds: 30) == 0, "round \(round)")
            #expect(!agent.log.contents.contains("did not stop within"), "round \(round): \(agent.log.contents)")
            #expect(!agent.log.contents.contains("Cannot schedule tasks"), "round \(round)")
            #expect(try await cloud.waitUntil(seconds: 5) { try await cloud.liveConnections().isEmpty }, "round \(round)")
        }
    }

    @Test("a command round trip through the ack, and non-object payloads answered with error acks on a link that stays up")
    func commandsAndErrors() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        let sid = try await cloud.liveConnections().first?["sid"]

        let ok = try await cloud.call("example_hello", ["name": "cell 7", "correlation_id": 11])
        #expect(ok.count == 1)
        let answer = ok.first?.objectValue
        #expect(answer?["greeting"] == "Hello, cell 7!")
        #expect(answer?["correlation_id"] == 11)
        #expect(answer?["action"] == "example_hello")

        for bad: JSONValue in ["a string", [1, 2, 3], 42, .null] {
            let r = try await cloud.call("example_hello", bad)
            #expect(r.first?.objectValue?["status"] == "error", "\(bad)")
            #expect(r.first?.objectValue?["code"] == "invalid_payload", "\(bad)")
        }
        let zero = try await cloud.callRaw("example_hello", args: [])
        #expect(zero.first?.objectValue?["code"] == "invalid_payload")
        let several = try await cloud.callRaw("example_hello", args: [["name": "a"], ["name": "b"]])
        #expect(several.first?.objectValue?["code"] == "invalid_payload")
        let invalid = try await cloud.call("example_hello", ["correlation_id": 3])
        #expect(invalid.first?.objectValue?["code"] == "missing_field")
        #expect(invalid.first?.objectValue?["field"] == "name")
        let unknown = try await cloud.call("no_such_topic", ["correlation_id": 4])
        #expect(unknown.first?.objectValue?["code"] == "unknown_topic")

        // Still the same connection, still answering.
        #expect(try await cloud.liveConnections().first?["sid"] == sid)
        let again = try await cloud.call("example_hello", ["name": "after"])
        #expect(again.first?.objectValue?["status"] == "ok")
        _ = agent
    }

    @Test("heartbeat: every 5 s while connected, with the upstream fields plus agent_version and cert_expires_in_days")
    func heartbeat() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 30) { try await cloud.heartbeats().count >= 3 })
        let beats = try await cloud.heartbeats()
        let payload = try #require(beats.last?["payload"]?.objectValue)
        #expect(
            Set(payload.keys) == [
                "agent_id", "agent_version", "cpu_usage", "memory_usage", "memory_total", "disk_usage", "disk_total",
                "uptime", "status", "timestamp", "cert_expires_in_days",
            ])
        #expect(payload["agent_id"] == "07048933")
        #expect(payload["status"] == "active")
        #expect(payload["agent_version"]?.stringValue?.isEmpty == false)
        let cpu = try #require(payload["cpu_usage"]?.numberValue)
        #expect(cpu >= 0 && cpu <= 100)
        #expect((payload["memory_total"]?.numberValue ?? 0) > 0)
        #expect((payload["disk_total"]?.numberValue ?? 0) > 0)
        #expect((payload["uptime"]?.numberValue ?? -1) >= 0)
        #expect((payload["cert_expires_in_days"]?.numberValue ?? 0) > 800)
        let ts = payload["timestamp"]?.stringValue ?? ""
        #expect(ts.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$"#, options: .regularExpression) != nil, "\(ts)")
        // Period: consecutive beats ~5 s apart (loose bounds: this checks the schedule, not speed).
        let times = beats.compactMap { $0["received_at"]?.numberValue }
        for (a, b) in zip(times, times.dropFirst()) {
            #expect(b - a > 4.0 && b - a < 6.5, "heartbeat gap \(b - a) s")
        }
        _ = agent
    }

    @Test("the cloud killed and restarted: the agent reconnects on the back-off schedule; events emitted meanwhile arrive in order")
    func reconnectAndQueue() async throws {
        var cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        // Ask for 5 events in 1.5 s, then take the cloud away before they are emitted.
        let scheduled = try await cloud.call("example_emit_later", ["delay_ms": 1500, "count": 5, "tag": "q"])
        #expect(scheduled.first?.objectValue?["status"] == "scheduled")
        cloud.stop()
        #expect(await agent.log.waitFor("disconnected from the cloud", seconds: 10))
        // The events are emitted while disconnected (the greeter logs when it has emitted them).
        #expect(await agent.log.waitFor("example_emit_later: events emitted count=5", seconds: 15))
        cloud = try cloud.restart()
        // After a first success the back-off is 1 s, 2 s, 4 s … (±30 %): well under 20 s (the pacing
        // itself is proven on the test clock in ReconnectPacerTests).
        #expect(try await cloud.waitUntil(seconds: 20) { try await !cloud.liveConnections().isEmpty })
        #expect(try await cloud.waitUntil(seconds: 5) { try await cloud.events(named: "example_tick").count >= 5 })
        let ticks = try await cloud.events(named: "example_tick")
        let seqs = ticks.compactMap { $0["args"]?.arrayValue?.first?.objectValue?["seq"]?.numberValue }
        #expect(seqs == [0, 1, 2, 3, 4])
        // Commands work on the new connection, and events emitted while connected keep their order.
        let r = try await cloud.call("example_hello", ["name": "back"])
        #expect(r.first?.objectValue?["status"] == "ok")
        _ = try await cloud.call("example_emit_later", ["delay_ms": 0, "count": 50, "tag": "live"])
        #expect(try await cloud.waitUntil(seconds: 10) { try await cloud.events(named: "example_tick").count >= 55 })
        let live = try await cloud.events(named: "example_tick").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
            .filter { $0["tag"] == "live" }.compactMap { $0["seq"]?.numberValue }
        #expect(live == (0..<50).map(Double.init))
    }

    @Test("events emitted while the plugins load, before the transport starts, reach the cloud in order")
    func eventsBeforeTransportStart() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud, greeterConfig: ["emit_at_init": 20])
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        #expect(try await cloud.waitUntil(seconds: 5) { try await cloud.events(named: "example_tick").count >= 20 })
        let seqs = try await cloud.events(named: "example_tick").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
            .filter { $0["tag"] == "init" }.compactMap { $0["seq"]?.numberValue }
        #expect(seqs == (0..<20).map(Double.init))
        _ = agent
    }

    @Test("a silent server (no pings) is noticed within pingInterval + pingTimeout")
    func pingTimeout() async throws {
        let cloud = try LabCloud(pingInterval: 1, pingTimeout: 1)
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        cloud.freeze(true)
        defer { cloud.freeze(false) }
        #expect(await agent.log.waitFor("no ping from the server for 2000 ms", seconds: 8))
    }

    @Test("the client certificate replaced on disk is presented on the next connection")
    func certificateRotation() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        #expect(try await cloud.liveConnections().first?["cn"] == "07048933")
        try agent.installClientCert("client2")
        _ = try await cloud.request("POST", "/disconnect", [:])
        #expect(
            try await cloud.waitUntil(seconds: 15) {
                try await cloud.liveConnections().contains { $0["cn"] == "07048934" }
            })
    }

    @Test("an expiring certificate is reported (log and heartbeat); an expired one is refused by the cloud")
    func certificateLife() async throws {
        let cloud = try LabCloud()
        let expiring = try AgentUnderTest(cloud: cloud, client: "expiring", heartbeatMs: 500)
        #expect(await expiring.log.waitFor("client certificate expires in", seconds: 15))
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.heartbeats().isEmpty })
        let days = try await cloud.heartbeats().first?["payload"]?.objectValue?["cert_expires_in_days"]?.numberValue
        #expect(days.map { $0 >= 8 && $0 <= 10 } == true, "\(String(describing: days))")
        expiring.stop()

        let expired = try AgentUnderTest(cloud: cloud, client: "expired")
        #expect(await expired.log.waitFor("client certificate EXPIRED", seconds: 15))
        #expect(await expired.log.waitFor("connection attempt failed", seconds: 15))
        #expect(try await cloud.liveConnections().allSatisfy { $0["cn"] != "07048936" })
    }

    struct Refusal: Sendable, CustomStringConvertible {
        let name: String
        let serverCert: String
        let clientCA: String?
        var description: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "cloud that does not trust the client's CA", serverCert: "server", clientCA: "rogue-ca.pem"),
        Refusal(name: "server certificate for another host name", serverCert: "server-wronghost", clientCA: nil),
        Refusal(name: "server certificate from an unknown CA", serverCert: "server-rogue", clientCA: nil),
        Refusal(name: "expired server certificate", serverCert: "server-expired", clientCA: nil),
    ]

    @Test("no connection is made", arguments: refusals)
    func refused(_ r: Refusal) async throws {
        let cloud = try LabCloud(serverCert: r.serverCert, clientCA: r.clientCA)
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(await agent.log.waitFor("connection attempt failed", seconds: 15))
        #expect(try await cloud.liveConnections().isEmpty)
        #expect(!agent.log.contents.contains("connected to the cloud"))
    }
}

extension CloudLinkTests {
    @Test("malformed Socket.IO packets are logged and dropped; the connection survives and keeps answering")
    func malformedPackets() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud)
        #expect(try await cloud.waitUntil(seconds: 15) { try await !cloud.liveConnections().isEmpty })
        let sid = try await cloud.liveConnections().first?["sid"]
        let garbage: [JSONValue] = [
            "9junk",  // unknown packet type
            #"2["unterminated"#,  // bad JSON
            "2/other,[\"x\",{}]",  // a namespace the agent did not join
            "3999[{}]",  // an ACK for an id the agent never used
            "2{\"not\":\"an array\"}",  // an event that is not ["name", …]
            "7",  // unknown type
        ]
        let sent = try await cloud.request("POST", "/raw", ["frames": .array(garbage)])
        #expect(sent["sent"] == 6)
        #expect(await agent.log.waitFor("dropped a Socket.IO packet that does not parse", seconds: 5))
        let r = try await cloud.call("example_hello", ["name": "still up"])
        #expect(r.first?.objectValue?["greeting"] == "Hello, still up!")
        #expect(try await cloud.liveConnections().first?["sid"] == sid)
    }
}

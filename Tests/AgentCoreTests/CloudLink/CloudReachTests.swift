import AgentJSON
import Foundation
import LabSupport
import Testing

/// The agent reaches every cloud the Python agent reaches: a python-socketio server on the
/// library's defaults (its same-origin CORS policy, default pings, both transports), addressed by
/// name, by IPv4 and by IPv6 address, over WebSocket or long-polling only, through a proxy that
/// strips upgrades and through a real CONNECT proxy (tinyproxy). Serialized: each test starts
/// its own cloud, proxy and agent processes.
@Suite("Cloud link: every cloud the Python agent reaches", .serialized, .labThreads)
struct CloudReachTests {
    /// Waits for the agent's connection and proves it carries commands both ways.
    static func expectLive(_ cloud: LabCloud, _ agent: AgentUnderTest, transport: String, comment: String = "") async throws {
        let live = try await cloud.waitUntil(seconds: 20) { try await !cloud.liveConnections().isEmpty }
        #expect(live, "no connection (\(comment)); agent log:\n\(agent.log.contents)")
        guard live else { return }
        let conn = try #require(try await cloud.liveConnections().first)
        #expect(conn["cn"] == "07048933")
        #expect(conn["current_transport"]?.stringValue == transport, "\(conn)")
        // The Python agent's client sends no Origin; a default python-engineio server refuses a foreign one.
        #expect(conn["origin"] == .null, "\(conn)")
        let r = try await cloud.call("example_hello", ["name": .string(comment), "correlation_id": 5])
        #expect(r.first?.objectValue?["greeting"]?.stringValue == "Hello, \(comment)!")
        #expect(r.first?.objectValue?["correlation_id"] == 5)
        // Events from the agent travel this link too, in order. (Checked with events the agent
        // emits on request rather than heartbeats, whose 5 s fixed-rate schedule made this
        // depend on timing under load; the heartbeat has its own test in CloudLinkTests.)
        let tag = JSONValue.string("live-\(UUID().uuidString)")
        _ = try await cloud.call("example_emit_later", ["delay_ms": 0, "count": 3, "tag": tag])
        let arrived = try await cloud.waitUntil(seconds: 10) {
            try await cloud.events(named: "example_tick").filter { $0["args"]?.arrayValue?.first?.objectValue?["tag"] == tag }.count >= 3
        }
        #expect(arrived, "agent events flow")
        let seqs = try await cloud.events(named: "example_tick").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
            .filter { $0["tag"] == tag }.compactMap { $0["seq"]?.numberValue }
        #expect(seqs == [0, 1, 2])
    }

    @Test("a default python-socketio server, reached by name, by IPv4 and by IPv6 address")
    func byNameAndAddress() async throws {
        let v4 = try LabCloud()
        for host in ["localhost", "127.0.0.1"] {
            let agent = try AgentUnderTest(cloud: v4, host: host)
            try await Self.expectLive(v4, agent, transport: "websocket", comment: host)
            agent.stop()
            #expect(try await v4.waitUntil(seconds: 10) { try await v4.liveConnections().isEmpty })
            _ = try await v4.request("POST", "/reset")
        }
        v4.stop()
        let v6 = try LabCloud(host: "::1")
        let agent = try AgentUnderTest(cloud: v6, host: "[::1]")
        try await Self.expectLive(v6, agent, transport: "websocket", comment: "::1")
        #expect(try await v6.liveConnections().first?["peer"]?.arrayValue?.first == "::1")
    }

    /// Guards the lab itself: if the lab cloud ever relaxed python-engineio's default CORS policy
    /// again, this fails (a relaxed lab hid a client that ordinary clouds refuse).
    @Test("the lab cloud keeps python-engineio's default Origin policy: a foreign Origin is refused, none is accepted")
    func labCloudIsStrict() async throws {
        let cloud = try LabCloud()
        func status(_ extra: [String]) throws -> String {
            let r = try run(
                "/usr/bin/curl",
                ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", LabPKI.path("ca.pem"),
                 "--cert", LabPKI.path("client.crt"), "--key", LabPKI.path("client.key")] + extra
                    + ["https://localhost:\(cloud.port)/socket.io/?EIO=4&transport=polling"])
            return r.stdout
        }
        #expect(try status([]) == "200")
        #expect(try status(["-H", "Origin: https://elsewhere.example"]) == "400")
        // Even the server's own https origin is refused: python-engineio's aiohttp driver takes the
        // scheme from X-Forwarded-Proto, else "http". Only no Origin is safe for a client.
        #expect(try status(["-H", "Origin: https://localhost:\(cloud.port)"]) == "400")
        #expect(try status(["-H", "Origin: http://localhost:\(cloud.port)"]) == "200")
    }

    @Test("by IP address the certificate's IP entries count: a certificate naming only DNS names is refused (the name still works)")
    func ipAddressNeedsIPEntry() async throws {
        let cloud = try LabCloud(serverCert: "server-dnsonly")
        let byIP = try AgentUnderTest(cloud: cloud, host: "127.0.0.1")
        #expect(await byIP.log.waitFor("san_mismatch", seconds: 15), "\(byIP.log.contents)")
        #expect(byIP.log.contents.contains("does not name the IP address 127.0.0.1"))
        #expect(try await cloud.liveConnections().isEmpty)
        byIP.stop()
        let byName = try AgentUnderTest(cloud: cloud, host: "localhost")
        try await Self.expectLive(cloud, byName, transport: "websocket", comment: "by name")
    }

    @Test("a server that offers long-polling only: the refused upgrade falls back to polling")
    func pollingOnlyServer() async throws {
        let cloud = try LabCloud(transports: "polling")
        let agent = try AgentUnderTest(cloud: cloud)
        try await Self.expectLive(cloud, agent, transport: "polling", comment: "polling only")
        #expect(agent.log.contents.contains("upgrade_refused") || agent.log.contents.contains("refused the WebSocket upgrade"))
        #expect(agent.log.contents.contains("HTTP 400"), "python-engineio answers 400 Invalid transport")
        // Events from the agent travel as POSTs, in order.
        _ = try await cloud.call("example_emit_later", ["delay_ms": 0, "count": 20, "tag": "p"])
        func ticks() async throws -> [Double] {
            try await cloud.events(named: "example_tick").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
                .filter { $0["tag"] == "p" }.compactMap { $0["seq"]?.numberValue }
        }
        #expect(try await cloud.waitUntil(seconds: 10) { try await ticks().count >= 20 })
        #expect(try await ticks() == (0..<20).map(Double.init))
    }

    @Test("a path that strips WebSocket upgrades (a plant proxy or load balancer): the agent works over polling")
    func upgradeStripped() async throws {
        let cloud = try LabCloud(stripUpgrade: true)
        let agent = try AgentUnderTest(cloud: cloud)
        try await Self.expectLive(cloud, agent, transport: "polling", comment: "stripped")
    }

    @Test("transport polling_upgrade: polling first, then the upgrade to WebSocket, as python-socketio's client does")
    func pollingThenUpgrade() async throws {
        let cloud = try LabCloud()
        let agent = try AgentUnderTest(cloud: cloud, cloudExtra: ["transport": "polling_upgrade"])
        try await Self.expectLive(cloud, agent, transport: "websocket", comment: "upgraded")
        #expect(try await cloud.liveConnections().first?["transport"] == "polling", "the session began on polling")
        let pollingOnly = try AgentUnderTest(cloud: cloud, cloudExtra: ["transport": "polling"])
        #expect(try await cloud.waitUntil(seconds: 15) { try await cloud.liveConnections().count == 2 })
        #expect(try await cloud.liveConnections().last?["current_transport"] == "polling")
        _ = pollingOnly
    }

    @Test("a silent server over long-polling is noticed within pingInterval + pingTimeout")
    func pollingPingTimeout() async throws {
        let cloud = try LabCloud(pingInterval: 1, pingTimeout: 1, transports: "polling")
        let agent = try AgentUnderTest(cloud: cloud)
        // Connected as the agent sees it (the cloud counts a socket live before its CONNECT ack
        // reached the agent; on a loaded machine a 2 s ping window can end that attempt first,
        // and the agent then says "connection attempt failed", not "disconnected").
        #expect(await agent.log.waitFor("connected to the cloud", seconds: 30), "\(agent.log.contents)")
        cloud.freeze(true)
        defer { cloud.freeze(false) }
        #expect(await agent.log.waitFor("disconnected from the cloud", seconds: 10), "\(agent.log.contents)")
    }
}

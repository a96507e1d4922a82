@testable import AgentCore
import AgentJSON
import CAgentABI
import Foundation
import LabSupport
import Testing

/// A lab agent with the Swift example plugin (and optionally the mTLS transport, not started)
/// whose site config turns the metrics endpoint on at 127.0.0.1 on a free port.
struct MetricsLab {
    let lab: PluginLab
    let entries: [JSONValue]
    let agent: Agent

    init(endpoint: Bool = true, metrics: JSONObject = ["address": "127.0.0.1", "port": 0], transport: Bool = false) throws {
        lab = try PluginLab()
        var entries = [try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift"))]
        if transport {
            entries.append(try lab.entry(id: "io.autonomy.transport-mtls", path: try lab.install("agent-transport-mtls")))
        }
        self.entries = entries
        agent = try lab.agent(configPath: try Self.write(lab, entries, endpoint: endpoint, metrics: metrics))
    }

    /// Rewrites the site config (then `agent.reloadConfig()` applies it).
    func write(endpoint: Bool, metrics: JSONObject = ["address": "127.0.0.1", "port": 0]) throws {
        try Self.write(lab, entries, endpoint: endpoint, metrics: metrics)
    }

    @discardableResult
    static func write(_ lab: PluginLab, _ entries: [JSONValue], endpoint: Bool, metrics: JSONObject) throws -> String {
        try lab.writeConfig(entries, features: ["metrics_endpoint": .bool(endpoint)], extra: ["metrics": .object(metrics)])
    }

    /// The scraped exposition lines (fails the test when the endpoint does not answer 200).
    func scrape(_ endpoint: MetricsEndpoint) async throws -> Set<String> {
        let port = try #require(endpoint.boundPort)
        let reply = try #require(await MetricsTestClient.get(port: port).reply)
        try #require(reply.status == "200 OK")
        return Set(reply.body.split(separator: "\n").map(String.init))
    }
}

@Suite("Metrics endpoint: Prometheus text over loopback TCP", .labThreads)
struct MetricsTests {
    @Test("commands by topic, result and origin, and the latency histogram, scraped over TCP")
    func commandsScraped() async throws {
        let m = try MetricsLab()
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        let port = try #require(endpoint.boundPort)
        #expect(port != 0)
        _ = await m.agent.send("example_hello", #"{"name":"a"}"#)
        _ = await m.agent.send("example_hello", #"{"name":"b"}"#)
        _ = await m.agent.send("example_hello", #"{}"#)
        _ = await m.agent.send("no_such_topic", "{}")
        _ = await m.agent.send("made_up_\(UUID().uuidString)", "{}")
        _ = await m.agent.dispatcher.dispatch(
            topic: "example_hello", payload: Array(#"{"name":"c"}"#.utf8), origin: .cloud(peer: "cloud.example"))

        let reply = try #require(await MetricsTestClient.get(port: port).reply)
        #expect(reply.status == "200 OK")
        #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(reply.headers["connection"] == "close")
        #expect(reply.headers["content-length"] == String(reply.body.utf8.count))
        let lines = Set(reply.body.split(separator: "\n").map(String.init))
        #expect(lines.contains("# TYPE agent_commands_total counter"))
        #expect(lines.contains(#"agent_commands_total{topic="example_hello",result="success",origin_kind="cli"} 2"#))
        #expect(lines.contains(#"agent_commands_total{topic="example_hello",result="success",origin_kind="cloud"} 1"#))
        #expect(lines.contains(#"agent_commands_total{topic="example_hello",result="missing_field",origin_kind="cli"} 1"#))
        #expect(lines.contains(#"agent_commands_total{topic="_unknown",result="unknown_topic",origin_kind="cli"} 2"#))
        #expect(!reply.body.contains("made_up_"))
        #expect(lines.contains("# TYPE agent_command_duration_seconds histogram"))
        let buckets = lines.filter { $0.hasPrefix(#"agent_command_duration_seconds_bucket{topic="example_hello","#) }
        #expect(buckets.count == MetricsEndpoint.durationBuckets.count + 1)
        #expect(lines.contains { $0.hasPrefix(#"agent_command_duration_seconds_bucket{topic="example_hello",le="0.001"} "#) })
        #expect(lines.contains(#"agent_command_duration_seconds_bucket{topic="example_hello",le="30.0"} 4"#))
        #expect(lines.contains(#"agent_command_duration_seconds_bucket{topic="example_hello",le="+Inf"} 4"#))
        #expect(lines.contains(#"agent_command_duration_seconds_count{topic="example_hello"} 4"#))
        #expect(lines.contains(#"agent_command_duration_seconds_count{topic="_unknown"} 2"#))
        #expect(lines.contains("agent_cloud_connected 0.0"))
        #expect(lines.contains("agent_cloud_reconnects_total 0"))
        #expect(lines.contains("agent_heartbeat_failures_total 0"))
        #expect(lines.contains("agent_vplc_restarts_total 0"))
        #expect(lines.contains("agent_plugin_store_failures_total 0"))
        #expect(lines.contains("agent_code_trims_total 0"))
        await m.agent.shutdown()
    }

    @Test("anything but GET /metrics is 404; an oversized request head is 431")
    func otherRequests() async throws {
        let m = try MetricsLab()
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        let port = try #require(endpoint.boundPort)
        #expect(await MetricsTestClient.get(port: port, path: "/").reply?.status == "404 Not Found")
        #expect(await MetricsTestClient.get(port: port, path: "/metrics/x").reply?.status == "404 Not Found")
        let post = Array("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n".utf8)
        #expect(await MetricsTestClient.exchange(port: port, request: post).reply?.status == "404 Not Found")
        let huge = Array(("GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 9000) + "\r\n\r\n").utf8)
        #expect(await MetricsTestClient.exchange(port: port, request: huge).reply?.status == "431 Request Header Fields Too Large")
        // Still serving after all that.
        #expect(await MetricsTestClient.get(port: port, path: "/metrics?x=1").reply?.status == "200 OK")
        await m.agent.shutdown()
    }

    @Test("the feature toggle applies at once: replace() and SIGHUP reload stop and start the server")
    func toggle() async throws {
        let m = try MetricsLab()
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        let first = try #require(endpoint.boundPort)
        var off = m.agent.services.config.config
        off.features[MetricsSettings.feature] = false
        m.agent.services.config.replace(off)
        #expect(endpoint.boundPort == nil)
        guard case .refused(let code) = await MetricsTestClient.get(port: first) else {
            Issue.record("port \(first) still answers after the feature was turned off")
            return
        }
        #expect(code == ECONNREFUSED)

        try m.write(endpoint: true)
        try m.agent.reloadConfig()
        _ = try await m.scrape(endpoint)

        // An invalid metrics section on reload leaves the endpoint as it was.
        let port = try #require(endpoint.boundPort)
        try m.write(endpoint: true, metrics: ["address": "0.0.0.0", "port": 0])
        try m.agent.reloadConfig()
        #expect(endpoint.boundPort == port)

        try m.write(endpoint: false)
        try m.agent.reloadConfig()
        #expect(endpoint.boundPort == nil)
        endpoint.stop()
        try m.write(endpoint: true)
        try m.agent.reloadConfig()
        #expect(endpoint.boundPort == nil, "a stopped endpoint stays stopped")
        await m.agent.shutdown()
    }

    @Test("the feature is off by default: metrics are recorded, nothing listens")
    func offByDefault() async throws {
        let m = try MetricsLab(endpoint: false)
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        #expect(endpoint.boundPort == nil)
        _ = await m.agent.send("example_hello", #"{"name":"a"}"#)
        let text = String(decoding: endpoint.render(), as: UTF8.self)
        #expect(text.contains(#"agent_commands_total{topic="example_hello",result="success",origin_kind="cli"} 1"#))
        await m.agent.shutdown()
    }

    @Test(
        "a non-loopback or malformed metrics section is config_invalid with the field",
        arguments: [
            (["address": "0.0.0.0"], "metrics.address"), (["address": "192.168.1.10"], "metrics.address"),
            (["address": "::"], "metrics.address"), (["address": "localhost"], "metrics.address"),
            (["address": 127], "metrics.address"), (["port": 70000], "metrics.port"), (["port": -1], "metrics.port"),
            (["port": "9464"], "metrics.port"), (["bind": "127.0.0.1"], "metrics.bind"),
        ] as [(JSONObject, String)])
    func refused(_ section: JSONObject, _ field: String) throws {
        #expect {
            try MetricsSettings.parse(["metrics": .object(section)])
        } throws: { ($0 as? AgentCoreError)?.code == .configInvalid && ($0 as? AgentCoreError)?.field == field }
    }

    @Test("install refuses a non-loopback address even while the feature is off; loopback forms are accepted")
    func installRefuses() async throws {
        let m = try MetricsLab(endpoint: false, metrics: ["address": "0.0.0.0", "port": 9464])
        #expect { try MetricsEndpoint.install(m.agent) } throws: { ($0 as? AgentCoreError)?.field == "metrics.address" }
        #expect(try MetricsSettings.parse(["metrics": ["address": "127.0.0.2"]]).address == "127.0.0.2")
        #expect(try MetricsSettings.parse(["metrics": ["address": "::1", "port": 0]]).port == 0)
        #expect(try MetricsSettings.parse([:]) == MetricsSettings())
        await m.agent.shutdown()
    }

    @Test("a port already in use leaves the agent running without the endpoint; the next config change retries")
    func portInUse() async throws {
        let a = try MetricsLab()
        let first = try MetricsEndpoint.install(a.agent)
        defer { first.stop() }
        let port = try #require(first.boundPort)
        let b = try MetricsLab(metrics: ["address": "127.0.0.1", "port": .number(Double(port))])
        let second = try MetricsEndpoint.install(b.agent)
        defer { second.stop() }
        #expect(second.boundPort == nil)
        first.stop()
        // The stopped server's thread releases the port a moment later; each change retries.
        var bound: UInt16?
        for _ in 0..<100 where bound == nil {  // sleep-audit: poll (the interval of a wait with a deadline)
            try await Task.sleep(for: .milliseconds(20))
            b.agent.services.config.replace(b.agent.services.config.config)
            bound = second.boundPort
        }
        #expect(bound == port)
        _ = try await b.scrape(second)
        await a.agent.shutdown()
        await b.agent.shutdown()
    }

    @Test("reconnects are connected reports after the first; local events count heartbeat failures, vPLC restarts, store failures")
    func linkAndLocalEvents() async throws {
        let m = try MetricsLab()
        let endpoint = try MetricsEndpoint.install(m.agent)
        defer { endpoint.stop() }
        let link = m.agent.services.link
        link.notify(kind: "error", detail: [:])
        link.notify(kind: "connected", detail: [:])
        var lines = try await m.scrape(endpoint)
        #expect(lines.contains("agent_cloud_connected 1.0"))
        #expect(lines.contains("agent_cloud_reconnects_total 0"))
        link.notify(kind: "disconnected", detail: [:])
        link.notify(kind: "connected", detail: [:])
        link.notify(kind: "disconnected", detail: [:])
        link.notify(kind: "connected", detail: [:])
        link.notify(kind: "disconnected", detail: [:])
        let events = m.agent.services.events
        #expect(events.emit(topic: "local.heartbeat_failed", payload: ["code": "not_connected"]) == Int32(AGENT_OK))
        _ = events.emit(topic: "local.heartbeat_failed", payload: [:])
        _ = events.emit(topic: "local.vplc_restarted", payload: ["device_id": "plc-1"])
        _ = events.emit(topic: "local.store_failed", payload: ["code": "store_failed", "during": "reconcile (health_check)"])
        _ = events.emit(topic: "heartbeat_failed", payload: [:])  // not a local signal: not counted
        // The daemon's code trim reports each trim as this local event (CodeTrimTests).
        _ = events.emit(topic: CodeTrim.event, payload: CodeTrim.Outcome(mappings: 3, residentBytes: 4096).payload)
        lines = try await m.scrape(endpoint)
        #expect(lines.contains("agent_cloud_connected 0.0"))
        #expect(lines.contains("agent_cloud_reconnects_total 2"))
        #expect(lines.contains("agent_heartbeat_failures_total 2"))
        #expect(lines.contains("agent_vplc_restarts_total 1"))
        #expect(lines.contains("agent_plugin_store_failures_total 1"))
        #expect(lines.contains("agent_code_trims_total 1"))
        await m.agent.shutdown()
    }

    @Test("local. events reach observers but never the transport; other events are queued for the cloud")
    func localEventsStayLocal() async throws {
        let m = try MetricsLab(endpoint: false, transport: true)
        #expect(m.agent.plugins.map(\.state.code) == ["loaded", "loaded"])
        let seen = LockedTopics()
        m.agent.services.events.observe { topic, _ in seen.append(topic) }
        #expect(try await transportQueued(m.agent) == 0)
        _ = m.agent.services.events.emit(topic: "local.vplc_restarted", payload: ["device_id": "plc-1"])
        #expect(try await transportQueued(m.agent) == 0)
        _ = m.agent.services.events.emit(topic: "example_tick", payload: ["seq": 0])
        #expect(try await transportQueued(m.agent) == 1)
        #expect(seen.topics == ["local.vplc_restarted", "example_tick"])
        await m.agent.shutdown()
    }
}

final class LockedTopics: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ t: String) { lock.withLock { list.append(t) } }
    var topics: [String] { lock.withLock { list } }
}

/// The transport's `status.queued` (events waiting for a connection), through its C vtable.
func transportQueued(_ agent: Agent) async throws -> Double? {
    let entry = try #require(agent.services.registry.lookup(AGENT_PROTOCOL_TRANSPORT))
    let vt = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_transport_v1.self)
    let invoke = try #require(vt.pointee.invoke)
    let body: [UInt8] = await withCheckedContinuation { (done: CheckedContinuation<[UInt8], Never>) in
        let ctx = Unmanaged.passRetained(CompletionBox(done)).toOpaque()
        let method = Array("status".utf8)
        let rc = method.withUnsafeBufferPointer { m in
            invoke(entry.instance, 1, agent_bytes(ptr: m.baseAddress, len: m.count), agent_bytes(ptr: nil, len: 0), { raw, _, body in
                guard let raw else { return }
                let box = Unmanaged<CompletionBox>.fromOpaque(raw).takeRetainedValue()
                let bytes = body.ptr.map { Array(UnsafeBufferPointer(start: $0, count: body.len)) } ?? []
                agent_owned_release(body)
                box.done.resume(returning: bytes)
            }, ctx)
        }
        if rc != Int32(AGENT_OK) {
            Unmanaged<CompletionBox>.fromOpaque(ctx).release()
            done.resume(returning: [])
        }
    }
    return try JSONParser.parse(body).objectValue?["queued"]?.numberValue
}

final class CompletionBox: @unchecked Sendable {
    let done: CheckedContinuation<[UInt8], Never>
    init(_ done: CheckedContinuation<[UInt8], Never>) { self.done = done }
}

import AgentClock
import AgentCore
import AgentJSON
import Foundation
import Synchronization
import Testing

/// The upgrade helper's logic (``AgentSwap``, ``ContainerRecreation``, ``HealthReport``) against
/// a fake engine: every step, every rollback path, without Docker. (The real thing runs in
/// `UpgradeLabTests`.)
@Suite("Upgrade: the helper's swap, gate and rollback (fake engine)")
struct UpgradeSwapTests {
    @Test("recreation keeps what the container was given, drops what its old image gave")
    func recreation() {
        let container: JSONObject = [
            "name": "orchestrator_agent", "image": "agent:1", "labels": ["site": "a", "org.opencontainers.image.version": "1"],
            "config": [
                "cmd": ["run", "--config", "/etc/x.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
                "env": ["PATH=/bin", "AGENT_VERSION=1.0.0", "SITE=lab"],
            ],
            "host_config": [
                "network_mode": "host", "binds": ["/srv/state:/var/lib/orchestrator-agent", "/srv/certs:/certs:ro"],
                "mounts": [["Type": "bind", "Source": "/run/docker.sock", "Target": "/var/run/docker.sock"]],
                "group_add": ["999"], "privileged": false, "pid_mode": "", "restart_policy": "always", "cap_add": [], "dns": [],
                "ulimits": [],
            ],
            "networks": ["host": [:]],
            "mounts": [
                ["type": "bind", "source": "/srv/state", "destination": "/var/lib/orchestrator-agent", "rw": true],
                ["type": "volume", "name": "anon1", "destination": "/data", "rw": true],
                ["type": "volume", "name": "shared", "destination": "/var/lib/orchestrator-agent", "rw": true],
            ],
        ]
        let oldImage: JSONObject = [
            "cmd": ["run", "--config", "/etc/orchestrator-agent/site.json"], "entrypoint": ["/usr/bin/orchestrator-agent"],
            "env": ["PATH=/bin", "AGENT_VERSION=1.0.0"], "labels": ["org.opencontainers.image.version": "1"],
        ]
        let p = ContainerRecreation.createParams(container: container, oldImageConfig: oldImage, image: "agent:2")
        #expect(p["name"] == "orchestrator_agent")
        #expect(p["image"] == "agent:2")
        #expect(p["labels"] == ["site": "a"])
        #expect(p["env"] == ["SITE=lab"])  // the new image's AGENT_VERSION applies
        #expect(p["cmd"] == ["run", "--config", "/etc/x.json"])  // given at create: kept
        #expect(p["entrypoint"] == nil)  // the image's: the new image's applies
        #expect(p["networks"] == [["network": "host"]])
        #expect(
            p["host_config"]
                == [
                    "RestartPolicy": ["Name": "unless-stopped"],
                    "Binds": ["/srv/state:/var/lib/orchestrator-agent", "/srv/certs:/certs:ro"],
                    "Mounts": [
                        ["Type": "bind", "Source": "/run/docker.sock", "Target": "/var/run/docker.sock"],
                        ["Type": "volume", "Source": "anon1", "Target": "/data", "ReadOnly": false],
                    ],
                    "GroupAdd": ["999"],
                ])
    }

    @Test("bridge-mode containers keep their networks, without addresses")
    func recreationNetworks() {
        let p = ContainerRecreation.createParams(
            container: ["name": "a", "host_config": ["network_mode": "lan"], "networks": ["lan": [:], "mgmt": [:]]],
            oldImageConfig: [:], image: "x")
        #expect(p["networks"] == [["network": "lan"], ["network": "mgmt"]])
    }

    @Test("health.json round trip, and a healthy report needs both connected and self-check ok")
    func healthReport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var r = HealthReport(
            pid: 1, version: "2.0.0", startedAt: "t0", connected: true, connectedAt: "t1", selfCheck: .ok, failures: [],
            updatedAt: "t2")
        try AtomicFile.replace(HealthReport.path(stateDirectory: dir), with: JSONWriter.bytes(r.json))
        #expect(HealthReport.read(stateDirectory: dir) == r)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/health.json")[.posixPermissions] as? Int
        #expect(mode == 0o640)
        #expect(r.isHealthy)
        r.selfCheck = .failed
        #expect(!r.isHealthy)
        #expect(HealthReport(json: ["pid": -1]) == nil)
    }

    @Test("a new agent that connects and passes its self-check is kept; the previous one is removed")
    func success() async {
        let engine = FakeEngine(newAgent: .healthy)
        let result = await engine.swap(deadline: 5).run()
        #expect(result.outcome == .succeeded, "\(result)")
        #expect(result.from == "agent:1")
        #expect(result.to == "agent:2")
        #expect(result.operationID == "17-1")
        let names = engine.names
        #expect(names == ["orchestrator_agent": "new-1"], "\(names)")
        #expect(engine.container("new-1")?["image"] == "agent:2")
        #expect(engine.container("new-1")?["restart"] == "unless-stopped")
        #expect(engine.calls.filter { $0.hasPrefix("container.") && $0.contains("vplc") }.isEmpty)
        #expect(Array(engine.calls.prefix(7)) == [
            "container.inspect orchestrator_agent", "image.inspect sha256:old", "container.inspect orchestrator_agent_previous",
            "container.update old-id no", "container.stop old-id", "container.rename old-id orchestrator_agent_previous",
            "container.create orchestrator_agent",
        ])
    }

    @Test("no healthy report within the deadline: the new one goes, the previous one comes back as it was")
    func deadline() async {
        let engine = FakeEngine(newAgent: .neverConnects)
        let result = await engine.swap(deadline: 1.5).run()
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "health_deadline")
        #expect(result.reason?.contains("connected false") == true, "\(result.reason ?? "")")
        #expect(engine.names == ["orchestrator_agent": "old-id"])
        #expect(engine.container("old-id")?["running"] == true)
        #expect(engine.container("old-id")?["restart"] == "always")  // restored
    }

    @Test("a failed self-check rolls back at once, without waiting for the deadline")
    func selfCheckFails() async {
        let engine = FakeEngine(newAgent: .selfCheckFails)
        let t0 = engine.clock.now
        let result = await engine.swap(deadline: 30).run()
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "self_check_failed")
        #expect(result.reason?.contains("hash_mismatch") == true)
        #expect(engine.clock.now - t0 < .seconds(10), "the gate's time: the verdict came long before the 30 s deadline")
        #expect(engine.names == ["orchestrator_agent": "old-id"])
    }

    @Test("a new agent whose container stops rolls back at once")
    func exits() async {
        let engine = FakeEngine(newAgent: .exits)
        let result = await engine.swap(deadline: 30).run()
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "new_agent_exited")
        #expect(engine.names == ["orchestrator_agent": "old-id"])
    }

    @Test("a create that fails puts the previous one back; an unknown target changes nothing")
    func createFailsAndUnknownTarget() async {
        let engine = FakeEngine(newAgent: .healthy, failCreate: true)
        let result = await engine.swap(deadline: 5).run()
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "create_failed")
        #expect(engine.names == ["orchestrator_agent": "old-id"])
        #expect(engine.container("old-id")?["running"] == true)

        let other = FakeEngine(newAgent: .healthy)
        var plan = other.plan(deadline: 5)
        plan.target = "nobody"
        let r2 = await other.swap(plan).run()
        #expect(r2.outcome == .failed)
        #expect(r2.code == "target_not_found")
        #expect(other.calls.allSatisfy { $0.hasPrefix("container.inspect") })
    }

    @Test("the site config moves to the new image's pins, and back before the previous agent restarts")
    func sitePins() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pins-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old: JSONValue = [
            "cloud": ["host": "c"],
            "plugins": [
                "load": [
                    ["id": "a", "path": "/p/liba.so", "sha256": .string(String(repeating: "1", count: 64)), "config": ["k": 1]],
                    ["id": "local", "path": "/opt/l.so", "sha256": .string(String(repeating: "3", count: 64))],
                ]
            ],
        ]
        let pins: JSONValue = [["id": "a", "path": "/p/liba.so", "sha256": .string(String(repeating: "2", count: 64))]]
        try AtomicFile.replace(dir + "/site.json", with: JSONWriter.bytes(old), mode: 0o600)
        try AtomicFile.replace(dir + "/pins.json", with: JSONWriter.bytes(pins))
        let (updated, changed) = try #require(SiteConfigPins.refreshed(site: old.objectValue ?? [:], pins: pins.arrayValue ?? []))
        #expect(changed == ["a"])
        let load = updated["plugins"]?.objectValue?["load"]?.arrayValue ?? []
        #expect(load.first?.objectValue?["sha256"] == .string(String(repeating: "2", count: 64)))
        #expect(load.first?.objectValue?["config"] == ["k": 1])
        #expect(load.last == old.objectValue?["plugins"]?.objectValue?["load"]?.arrayValue?.last)
        #expect(SiteConfigPins.refreshed(site: updated, pins: pins.arrayValue ?? []) == nil)

        // In a rollback the old pins are back on disk before the old agent is started.
        let engine = FakeEngine(newAgent: .neverConnects)
        let site = dir + "/site.json"
        engine.onStartOld = { engine.noteConfig(AtomicFile.contents(of: site).flatMap { try? JSONParser.parse($0) }) }
        var plan = engine.plan(deadline: 1)
        plan.siteConfigPath = site
        plan.imagePins = dir + "/pins.json"
        let result = await engine.swap(plan).run()
        #expect(result.outcome == .rolledBack)
        #expect(engine.configAtOldStart == old)
        #expect(AtomicFile.contents(of: site).flatMap { try? JSONParser.parse($0) } == old)
        #expect(!FileManager.default.fileExists(atPath: site + ".previous"))
        let mode = try FileManager.default.attributesOfItem(atPath: site)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Kept when the new agent passes.
        let good = FakeEngine(newAgent: .healthy)
        var goodPlan = good.plan(deadline: 5)
        goodPlan.siteConfigPath = site
        goodPlan.imagePins = dir + "/pins.json"
        #expect(await good.swap(goodPlan).run().outcome == .succeeded)
        #expect(AtomicFile.contents(of: site).flatMap { try? JSONParser.parse($0) } == .object(updated))
        #expect(!FileManager.default.fileExists(atPath: site + ".previous"))
    }

    @Test("after the agent, the netmon sidecar moves too when asked (and is skipped when it is not there)")
    func netmon() async {
        let engine = FakeEngine(newAgent: .healthy)
        engine.add(id: "netmon-id", name: "autonomy_netmon", image: "netmon:1")
        var plan = engine.plan(deadline: 5)
        plan.netmonContainer = "autonomy_netmon"
        plan.netmonImage = "netmon:2"
        plan.netmonSettleSeconds = 0.05
        let result = await engine.swap(plan).run()
        #expect(result.outcome == .succeeded)
        #expect(result.netmon == "succeeded")
        #expect(engine.container("netmon-id") == nil)
        #expect(engine.calls.contains("container.create autonomy_netmon"))

        let without = FakeEngine(newAgent: .healthy)
        var plan2 = without.plan(deadline: 5)
        plan2.netmonContainer = "autonomy_netmon"
        plan2.netmonImage = "netmon:2"
        let r2 = await without.swap(plan2).run()
        #expect(r2.outcome == .succeeded)
        #expect(r2.netmon == "skipped: no container autonomy_netmon")
    }

    @Test("when the previous one cannot be started again the verdict is failed, rollback_failed")
    func rollbackFails() async {
        let engine = FakeEngine(newAgent: .neverConnects, failOldStart: true)
        let result = await engine.swap(deadline: 1).run()
        #expect(result.outcome == .failed)
        #expect(result.code == "rollback_failed")
        #expect(result.reason?.hasPrefix("health_deadline") == true)
    }
}

/// A tiny in-memory engine with the driver's method shapes. The new agent's behaviour after
/// `container.start` is scripted.
final class FakeEngine: Sendable {
    enum NewAgent: Sendable { case healthy, neverConnects, selfCheckFails, exits }

    /// The swap's clock: its polls and deadline take no real time.
    let clock = SteppingClock()

    private struct State {
        var containers: [String: JSONObject] = [:]  // by id
        var calls: [String] = []
        var health: HealthReport?
        var created = 0
        var onStartOld: (@Sendable () -> Void)? = nil
        var configAtOldStart: JSONValue? = nil
    }

    /// Called when the old container is started again (a rollback).
    var onStartOld: (@Sendable () -> Void)? {
        get { state.withLock { $0.onStartOld } }
        set { state.withLock { $0.onStartOld = newValue } }
    }
    var configAtOldStart: JSONValue? { state.withLock { $0.configAtOldStart } }

    /// Adds a running container.
    func add(id: String, name: String, image: String) {
        state.withLock { $0.containers[id] = ["name": .string(name), "image": .string(image), "running": true, "restart": "unless-stopped"] }
    }
    func noteConfig(_ v: JSONValue?) { state.withLock { $0.configAtOldStart = v } }

    private let state = Mutex(State())
    let newAgent: NewAgent
    let failCreate: Bool
    let failOldStart: Bool

    init(newAgent: NewAgent, failCreate: Bool = false, failOldStart: Bool = false) {
        self.newAgent = newAgent
        self.failCreate = failCreate
        self.failOldStart = failOldStart
        state.withLock { s in
            s.containers["old-id"] = ["name": "orchestrator_agent", "image": "agent:1", "running": true, "restart": "always"]
            s.containers["vplc-id"] = ["name": "plc1", "image": "openplc:1", "running": true, "restart": "no"]
            s.health = Self.report(started: "old", connected: true, check: .ok)
        }
    }

    static func report(started: String, connected: Bool, check: HealthReport.SelfCheck, failures: [String] = []) -> HealthReport {
        HealthReport(
            pid: 1, version: "x", startedAt: started, connected: connected, connectedAt: nil, selfCheck: check, failures: failures,
            updatedAt: "now")
    }

    var calls: [String] { state.withLock { $0.calls } }
    var names: [String: String] {
        state.withLock { s in
            var out: [String: String] = [:]
            for (id, c) in s.containers where c["name"]?.stringValue?.hasPrefix("orchestrator_agent") == true {
                out[c["name"]?.stringValue ?? ""] = id
            }
            return out
        }
    }
    func container(_ id: String) -> JSONObject? { state.withLock { $0.containers[id] } }

    func plan(deadline: Double) -> AgentSwap.Plan {
        var p = AgentSwap.Plan(
            target: "orchestrator_agent", image: "agent:2", deadlineSeconds: deadline, stateDirectory: "/nowhere",
            operationID: "17-1")
        p.graceSeconds = 0
        p.pollSeconds = 0.05
        return p
    }

    func swap(deadline: Double) -> AgentSwap { swap(plan(deadline: deadline)) }

    func swap(_ plan: AgentSwap.Plan) -> AgentSwap {
        AgentSwap(
            plan: plan, docker: { m, p throws(ProtocolCallError) in try self.call(m, p) }, health: { self.state.withLock { $0.health } },
            log: { _ in }, clock: clock)
    }

    private func find(_ s: State, _ ref: String) -> String? {
        if s.containers[ref] != nil { return ref }
        return s.containers.first { $0.value["name"]?.stringValue == ref }?.key
    }

    func call(_ method: String, _ p: JSONObject) throws(ProtocolCallError) -> JSONValue {
        let ref = p["id"]?.stringValue ?? p["ref"]?.stringValue ?? p["name"]?.stringValue ?? ""
        var detail = ref
        if let n = p["name"]?.stringValue, method == "container.rename" { detail += " " + n }
        if let r = p["restart_policy"]?.stringValue { detail += " " + r }
        if method == "container.start", ref == "old-id", let hook = onStartOld { hook() }
        let result: Result<JSONValue, ProtocolCallError> = state.withLock { s in
            s.calls.append("\(method) \(detail)")
            let notFound = ProtocolCallError("engine_not_found", "no such container \(ref)")
            switch method {
            case "image.inspect":
                return .success(["id": "sha256:old", "config": ["env": ["AGENT_VERSION=1"], "cmd": ["run"]]])
            case "container.create":
                if failCreate { return .failure(ProtocolCallError("engine_error", "no space left")) }
                s.created += 1
                let id = "new-\(s.created)"
                let restart = p["host_config"]?.objectValue?["RestartPolicy"]?.objectValue?["Name"] ?? "no"
                s.containers[id] = ["name": p["name"] ?? "", "image": p["image"] ?? "", "running": false, "restart": restart]
                return .success(["id": .string(id)])
            default: break
            }
            guard let id = find(s, ref) else { return .failure(notFound) }
            var c = s.containers[id] ?? [:]
            switch method {
            case "container.inspect":
                return .success([
                    "id": .string(id), "name": c["name"] ?? "", "image": c["image"] ?? "", "image_id": "sha256:old",
                    "state": ["running": c["running"] ?? false, "exit_code": 1],
                    "host_config": ["restart_policy": c["restart"] ?? "no", "network_mode": "host"], "config": ["cmd": ["run"]],
                ])
            case "container.update": c["restart"] = p["restart_policy"]
            case "container.stop": c["running"] = false
            case "container.rename": c["name"] = p["name"]
            case "container.remove":
                s.containers[id] = nil
                return .success(["removed": true])
            case "container.start":
                if id == "old-id", failOldStart { return .failure(ProtocolCallError("engine_error", "cannot start")) }
                c["running"] = true
                if id != "old-id" {
                    switch newAgent {
                    case .healthy: s.health = Self.report(started: id, connected: true, check: .ok)
                    case .neverConnects: s.health = Self.report(started: id, connected: false, check: .ok)
                    case .selfCheckFails:
                        s.health = Self.report(started: id, connected: true, check: .failed, failures: ["plugin x: hash_mismatch"])
                    case .exits: c["running"] = false
                    }
                }
            default: return .failure(ProtocolCallError("unknown_method", method))
            }
            s.containers[id] = c
            return .success([:])
        }
        return try result.get()
    }
}

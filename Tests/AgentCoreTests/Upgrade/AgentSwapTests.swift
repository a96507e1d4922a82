import AgentClock
import AgentCore
import AgentJSON
import Foundation
import Synchronization
import Testing

/// The core's half of a self-upgrade (``AgentSwap``): the health gate, the site-config pins and
/// the verdict, against a fake `agent.upgrader` on a ``ManualClock``. (The Docker upgrader's steps
/// are tested in DockerEngineTests; the real thing runs in `UpgradeLabTests`.)
@Suite("Upgrade: the core's gate, pins and verdict (fake upgrader, manual clock)")
struct AgentSwapTests {
    static func plan(deadline: Double) -> AgentSwap.Plan {
        var p = AgentSwap.Plan(
            target: "orchestrator_agent", image: "agent:2", deadlineSeconds: deadline, stateDirectory: "/nowhere", operationID: "17-1")
        p.graceSeconds = 0
        p.pollSeconds = 0.05
        return p
    }

    /// Runs the swap to its verdict, moving the clock to each deadline the swap sleeps on; also
    /// returns how much clock time it took.
    static func run(_ fake: FakeUpgrader, _ plan: AgentSwap.Plan) async -> (UpgradeResult, Duration) {
        let clock = ManualClock()
        let start = clock.now
        let swap = AgentSwap(plan: plan, upgrader: fake.client, health: { fake.health }, log: { _ in }, clock: clock)
        let done = Atomic<Bool>(false)
        let task = Task {
            let r = await swap.run()
            done.store(true, ordering: .releasing)
            return r
        }
        // The swap sleeps on the clock between polls; when it stops sleeping it has its verdict.
        while !done.load(ordering: .acquiring) {
            if await clock.waitForSleepers(count: 1, timeout: .milliseconds(200)) { clock.advanceToNextDeadline() }
        }
        return (await task.value, start.duration(to: clock.now))
    }

    @Test("a new agent that connects and passes its self-check is kept: commit, verdict succeeded")
    func passes() async {
        let fake = FakeUpgrader(newAgent: .healthy)
        let (result, took) = await Self.run(fake, Self.plan(deadline: 5))
        #expect(result.outcome == .succeeded, "\(result)")
        #expect(result.from == "agent:1" && result.to == "agent:2" && result.operationID == "17-1")
        #expect(result.code == nil && result.netmon == nil)
        #expect(fake.calls == ["swap.prepare orchestrator_agent", "swap.begin", "swap.commit"])
        #expect(fake.committed == ["orchestrator_agent"] && fake.openSwaps == 0)
        #expect(took < .seconds(1), "the verdict came at the first poll, not near the 5 s deadline (took \(took))")
    }

    @Test("no healthy report by the deadline: rollback, verdict rolled_back / health_deadline, at the deadline")
    func deadline() async {
        let fake = FakeUpgrader(newAgent: .neverConnects)
        let (result, took) = await Self.run(fake, Self.plan(deadline: 1.5))
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "health_deadline")
        #expect(result.reason?.contains("connected false") == true, "\(result.reason ?? "")")
        #expect(fake.restored == ["orchestrator_agent"] && fake.committed.isEmpty && fake.openSwaps == 0)
        #expect(took >= .milliseconds(1500) && took < .milliseconds(1600), "the gate gave up at its deadline (took \(took))")
    }

    @Test("a failed self-check rolls back at once, without waiting for the deadline")
    func selfCheckFails() async {
        let fake = FakeUpgrader(newAgent: .selfCheckFails)
        let (result, took) = await Self.run(fake, Self.plan(deadline: 30))
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "self_check_failed")
        #expect(result.reason?.contains("hash_mismatch") == true)
        #expect(took < .seconds(1), "took \(took) of a 30 s deadline")
        #expect(fake.restored == ["orchestrator_agent"])
    }

    @Test("a successor the upgrader reports stopped rolls back at once (new_agent_exited, with its exit code)")
    func exits() async {
        let fake = FakeUpgrader(newAgent: .exits)
        let (result, took) = await Self.run(fake, Self.plan(deadline: 30))
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "new_agent_exited")
        #expect(result.reason?.contains("exit code 1") == true, "\(result.reason ?? "")")
        #expect(took < .seconds(1))
        #expect(fake.calls.contains("swap.status"))
    }

    @Test("a begin that fails is rolled back with its code; a prepare that fails changes nothing (failed)")
    func beginAndPrepareFail() async {
        let fake = FakeUpgrader(newAgent: .healthy, failBegin: "create_failed")
        let (result, _) = await Self.run(fake, Self.plan(deadline: 5))
        #expect(result.outcome == .rolledBack)
        #expect(result.code == "create_failed")
        #expect(fake.calls == ["swap.prepare orchestrator_agent", "swap.begin", "swap.rollback"])
        #expect(fake.restored == ["orchestrator_agent"])

        let other = FakeUpgrader(newAgent: .healthy)
        var plan = Self.plan(deadline: 5)
        plan.target = "nobody"
        let (r2, _) = await Self.run(other, plan)
        #expect(r2.outcome == .failed)
        #expect(r2.code == "target_not_found")
        #expect(other.calls == ["swap.prepare nobody"])
    }

    @Test("when the upgrader cannot put the previous agent back the verdict is failed, rollback_failed, with both reasons")
    func rollbackFails() async {
        let fake = FakeUpgrader(newAgent: .neverConnects, failRollback: true)
        let (result, _) = await Self.run(fake, Self.plan(deadline: 1))
        #expect(result.outcome == .failed)
        #expect(result.code == "rollback_failed")
        #expect(result.reason?.hasPrefix("health_deadline") == true, "\(result.reason ?? "")")
        #expect(result.reason?.contains("rollback: start: cannot start") == true, "\(result.reason ?? "")")
    }

    @Test("the site config moves to the new image's pins; a failed gate puts the old pins back before the rollback")
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
        let site = dir + "/site.json"
        try AtomicFile.replace(site, with: JSONWriter.bytes(old), mode: 0o600)
        try AtomicFile.replace(dir + "/pins.json", with: JSONWriter.bytes(pins))
        let (updated, changed) = try #require(SiteConfigPins.refreshed(site: old.objectValue ?? [:], pins: pins.arrayValue ?? []))
        #expect(changed == ["a"])
        let load = updated["plugins"]?.objectValue?["load"]?.arrayValue ?? []
        #expect(load.first?.objectValue?["sha256"] == .string(String(repeating: "2", count: 64)))
        #expect(load.first?.objectValue?["config"] == ["k": 1])
        #expect(load.last == old.objectValue?["plugins"]?.objectValue?["load"]?.arrayValue?.last)
        #expect(SiteConfigPins.refreshed(site: updated, pins: pins.arrayValue ?? []) == nil)
        let onDisk = { @Sendable in AtomicFile.contents(of: site).flatMap { try? JSONParser.parse($0) } }

        // A gate that fails: the old pins are on disk when the upgrader is asked to roll back.
        let failing = FakeUpgrader(newAgent: .selfCheckFails)
        let atRollback = Mutex<JSONValue?>(nil)
        failing.onRollback { atRollback.withLock { $0 = onDisk() } }
        var plan = Self.plan(deadline: 5)
        plan.siteConfigPath = site
        plan.imagePins = dir + "/pins.json"
        let (result, _) = await Self.run(failing, plan)
        #expect(result.outcome == .rolledBack)
        #expect(atRollback.withLock { $0 } == old)
        #expect(onDisk() == old)
        #expect(!FileManager.default.fileExists(atPath: site + ".previous"))
        let mode = try FileManager.default.attributesOfItem(atPath: site)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // A gate that passes: the new pins stay, the backup goes.
        let (good, _) = await Self.run(FakeUpgrader(newAgent: .healthy), plan)
        #expect(good.outcome == .succeeded)
        #expect(onDisk() == .object(updated))
        #expect(!FileManager.default.fileExists(atPath: site + ".previous"))
    }

    @Test("after the agent, the netmon sidecar moves through the same upgrader (and is skipped when it is not there)")
    func netmon() async {
        let fake = FakeUpgrader(newAgent: .healthy)
        fake.add(target: "autonomy_netmon", image: "netmon:1")
        var plan = Self.plan(deadline: 5)
        plan.netmonContainer = "autonomy_netmon"
        plan.netmonImage = "netmon:2"
        plan.netmonSettleSeconds = 2
        let (result, took) = await Self.run(fake, plan)
        #expect(result.outcome == .succeeded)
        #expect(result.netmon == "succeeded")
        #expect(fake.committed == ["orchestrator_agent", "autonomy_netmon"])
        #expect(took >= .seconds(2), "the netmon's settle pause is on the clock (took \(took))")

        let without = FakeUpgrader(newAgent: .healthy)
        let (r2, _) = await Self.run(without, plan)
        #expect(r2.outcome == .succeeded)
        #expect(r2.netmon == "skipped: autonomy_netmon not found")
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

    @Test("the client refuses answers without the shapes it needs (bad_answer)")
    func clientShapes() async {
        let client = UpgraderClient { method, _ throws(ProtocolCallError) in method == "swap.prepare" ? ["name": "x"] : "nope" }
        await #expect(throws: ProtocolCallError.self) { try await client.prepare(target: "x", image: "y") }
        do {
            _ = try await client.status("t")
            Issue.record("a status that is not an object was accepted")
        } catch {
            #expect(error.code == "bad_answer")
        }
    }
}

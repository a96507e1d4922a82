import AgentJSON
import Foundation
import LabSupport
import Testing

extension Faults {
/// Scenario 2: the lab's dockerd killed (TERM or KILL, seeded) at a seeded point inside a create
/// or a delete, then started again. Every container stops with dockerd, so here "untouched" means
/// "running again", not "same StartedAt".
@Suite("dockerd restarts during create and delete")
struct DockerdRestarts {
    @Test("dockerd TERM/KILLed at a seeded point inside create and inside delete, then started again; the cloud retries a failed command once; invariants")
    func dockerdDiesMidOperation() async throws {
        let knobs = FaultKnobs.current
        var rng = knobs.rng("dockerd")
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("fdockerd") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab)
        defer { h.stop() }
        let ledger = CommandLedger()
        let calm = uniqueDevice("calm")
        try await h.faultCreate(ledger, calm, host: 80)
        var outcomes: [String: [String: Int]] = ["create": [:], "delete": [:]]
        var leftovers: [String] = []
        let began = Date()
        for run in 0..<knobs.dockerdRuns {
            let device = uniqueDevice("dd\(run)")
            for phase in ["create", "delete"] {
                let c = await ledger.newCorrelation()
                let topic = phase == "create" ? "create_new_runtime" : "delete_device"
                let payload = phase == "create" ? h.createRequest(device, host: 81, correlation: c) : VPLCHarness.deviceMessage(device, c)
                let ack = try await h.sendUntilAcked(ledger, topic, device: device, payload, correlation: c)
                let id = try #require(ack["operation_id"]?.stringValue, "\(ack)")
                let sig = Bool.random(using: &rng) ? SIGKILL : SIGTERM
                try await Task.sleep(for: .milliseconds(rng.milliseconds(0...(phase == "create" ? 1500 : 800))))  // sleep-audit: input (the pace or the point of an injected fault)
                let dockerd = lab.dockerdPID
                kill(dockerd, sig)
                try await DockerLab.blocking { try lab.restartDockerd() }
                let end = try await h.operationEnd(id, seconds: 60)
                let word = "\(sig == SIGKILL ? "KILL" : "TERM"):\(end["status"]?.stringValue ?? "?")"
                outcomes[phase, default: [:]][word, default: 0] += 1
                if end["status"] != "succeeded" {
                    // What the failed operation left on the engine until the cloud asks again.
                    let left = try await h.engineObjects(device)
                    if phase == "create" {
                        // Once the engine is back, the agent removes what the failed create made
                        // (no record knows those objects: they would be orphans).
                        let gone = try await h.cloud.waitUntil(seconds: 30) {
                            let o = try await h.engineObjects(device)
                            return o.containers.isEmpty && o.networks.isEmpty
                        }
                        let still = try await h.engineObjects(device)
                        #expect(gone, "the failed create's objects are removed: \(still)")
                    }
                    leftovers.append("\(phase) \(end["status"]?.stringValue ?? "?") (\(end["code"]?.stringValue ?? "?")): \(left.containers.count) containers, \(left.networks.count) networks")
                    // A typed failure, then the cloud asks once more (a new correlation id).
                    #expect(end["code"] != nil, "a failed \(phase) says why: \(end)")
                    let retry: JSONObject
                    if phase == "create" {
                        retry = try await h.faultCreate(ledger, device, host: 81)
                    } else {
                        retry = try await h.faultCommand(ledger, "delete_device", device)
                    }
                    #expect(phase == "create" ? retry["is_running"] == true : retry["status"] == "not_found", "the retried \(phase): \(retry)")
                }
                let expected: Set<String> = phase == "create" ? [calm, device] : [calm]
                try await FaultInvariants.check(h, ledger: ledger, expected: expected, running: expected)
            }
        }
        let figures = try await FaultInvariants.check(h, ledger: ledger, expected: [calm], running: [calm])
        faultReport("dockerd", "outcomes \(outcomes); left by failed operations right after their end: \(leftovers); \(figures); \(Int(Date().timeIntervalSince(began))) s")
        try await h.faultCommand(ledger, "delete_device", calm)
        try await FaultInvariants.check(h, ledger: ledger, expected: [])
        await h.shutdown()
    }

    @Test("a create failed because dockerd died and could not roll back; the agent is killed before its retry: on restart what the create made is removed, not adopted as a vPLC")
    func leftoversOfAFailedCreateAreNotAdopted() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("fleft") }
        defer { lab.down() }
        // The create pauses once its container exists, before starting it: dockerd dies there.
        let h = try await VPLCHarness(
            runtime: ["fault_injection": ["pause_at_step": "starting_container", "pause_ms": 3000]], lab: lab)
        defer { h.stop() }
        let device = uniqueDevice("left")
        let ack = try await h.call("create_new_runtime", h.createRequest(device, host: 83))
        let id = try #require(ack["operation_id"]?.stringValue, "\(ack)")
        let made = try await h.cloud.waitUntil(seconds: 30) { !(try await h.engineObjects(device).containers.isEmpty) }
        #expect(made, "the paused create made its container")
        kill(lab.dockerdPID, SIGKILL)
        let end = try await h.operationEnd(id, seconds: 60)
        #expect(end["status"] == "failed", "start and rollback both fail with the engine gone: \(end)")
        // Killed before the queued rollback retry could reach the engine; dockerd back meanwhile.
        try await h.crashAndRestartAgent(whileDown: { try lab.restartDockerd() })
        let gone = try await h.cloud.waitUntil(seconds: 30) {
            let o = try await h.engineObjects(device)
            return o.containers.isEmpty && o.networks.isEmpty
                && h.agent.log.contents.contains("removed what a failed create had made")
        }
        let left = try await h.engineObjects(device)
        #expect(gone, "the failed create's objects are removed at start: \(left)")
        let status = try await h.status(device)
        // Not adopted: the status is still the failed create's (no vPLC record, nothing running).
        #expect(status["status"] == "error" && status["operation_id"]?.stringValue == id, "not adopted as a vPLC: \(status)")
        #expect(status["is_running"] != true)
        #expect(!h.agent.log.contents.contains("re-adopted a vPLC"), "\(h.agent.log.contents.suffix(2000))")
        #expect(h.agent.log.contents.contains("removed what a failed create had made"), "\(h.agent.log.contents.suffix(3000))")
        await h.shutdown()
    }
}
}

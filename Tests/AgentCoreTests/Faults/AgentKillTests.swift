import AgentJSON
import Foundation
import LabSupport
import Testing

extension Faults {
/// Scenario 4: the agent SIGKILLed at a seeded random point of every mutating operation, then
/// started again on the same state; the command is re-sent with the same correlation id.
@Suite("agent SIGKILL in every mutating operation")
struct AgentKill {
    /// One mutating operation on the subject vPLC, in the order that cycles its state.
    enum Op: String, CaseIterable {
        case stop = "stop_device", start = "start_device", restart = "restart_device"
        case delete = "delete_device", create = "create_new_runtime"

        /// Whether the subject runs once the operation has done its job.
        var leavesRunning: Bool { self != .stop && self != .delete }
    }

    static let subjectHost = 61

    @Test("kill at a seeded random point (0..1.3x the operation's measured time) of create/delete/start/stop/restart; restart; re-send; invariants after every run")
    func killEveryOperation() async throws {
        let knobs = FaultKnobs.current
        var rng = knobs.rng("agent-kill")
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("fkill") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab)
        defer { h.stop() }
        let began = Date()
        let ledger = CommandLedger()
        let calm = uniqueDevice("calm"), subject = uniqueDevice("subj")
        try await h.faultCreate(ledger, calm, host: 60)
        try await h.faultCreate(ledger, subject, host: Self.subjectHost)
        let calmMark = try await FaultInvariants.marks(h, [calm])

        // One unfaulted cycle measures each operation (emit to its end): the kill window.
        var window: [Op: Int] = [:]
        for op in Op.allCases {
            let start = Date()
            let c = await ledger.newCorrelation()
            let ack = try await h.sendUntilAcked(ledger, op.rawValue, device: subject, message(op, h, subject, c), correlation: c)
            let id = try #require(ack["operation_id"]?.stringValue, "\(op.rawValue): \(ack)")
            let end = try await h.operationEnd(id)
            #expect(end["status"] == "succeeded", "\(op.rawValue) unfaulted: \(end)")
            window[op] = max(200, Int(Date().timeIntervalSince(start) * 1300))
        }
        faultReport("agent-kill", "kill windows (ms): \(Op.allCases.map { "\($0.rawValue)=\(window[$0] ?? 0)" }.joined(separator: " "))")

        var stats: [Op: (runs: Int, noAck: Int, resumed: Int, rolledBack: Int, lost: Int)] = [:]
        for _ in 0..<knobs.runsPerOperation {
            for op in Op.allCases {
                let delay = rng.milliseconds(0...(window[op] ?? 1000))
                let outcome = try await killDuring(h, ledger, op, subject, delayMs: delay)
                var s = stats[op] ?? (0, 0, 0, 0, 0)
                s.runs += 1
                if outcome.lost { s.lost += 1 }
                if outcome.noAck { s.noAck += 1 }
                if outcome.resumed { s.resumed += 1 }
                if outcome.rolledBack { s.rolledBack += 1 }
                stats[op] = s
                let expected: Set<String> = op == .delete ? [calm] : [calm, subject]
                let running: Set<String> = op.leavesRunning ? [calm, subject] : [calm]
                try await FaultInvariants.check(
                    h, ledger: ledger, expected: expected, running: running, untouched: calmMark)
            }
        }
        let figures = try await FaultInvariants.check(
            h, ledger: ledger, expected: [calm, subject], running: [calm, subject], untouched: calmMark)
        for op in Op.allCases {
            let s = stats[op] ?? (0, 0, 0, 0, 0)
            faultReport("agent-kill", "\(op.rawValue): \(s.runs) kills, \(s.noAck) before the ack, \(s.resumed) resumed by recovery, \(s.rolledBack) creates rolled back, \(s.lost) end events lost")
        }
        let kills = stats.values.reduce(0) { $0 + $1.runs }, lost = stats.values.reduce(0) { $0 + $1.lost }
        faultReport("agent-kill", "\(kills) kills, \(lost) end events lost; \(figures); \(Int(Date().timeIntervalSince(began))) s")
        #expect(kills == knobs.runsPerOperation * Op.allCases.count)
        #expect(lost == 0, "end events lost in \(lost) of \(kills) kills")
        #expect(figures.missingUpdates == 0, "\(figures)")
        try await h.faultCommand(ledger, "delete_device", subject)
        try await h.faultCommand(ledger, "delete_device", calm)
        try await FaultInvariants.check(h, ledger: ledger, expected: [])
        await h.shutdown()
    }

    private func message(_ op: Op, _ h: VPLCHarness, _ device: String, _ c: Int) -> JSONObject {
        op == .create ? h.createRequest(device, host: Self.subjectHost, correlation: c) : VPLCHarness.deviceMessage(device, c)
    }

    /// Sends `op`, SIGKILLs the agent `delayMs` after the emit, restarts it, re-sends the command
    /// with the same correlation id, and brings the subject to the operation's target state.
    private func killDuring(
        _ h: VPLCHarness, _ ledger: CommandLedger, _ op: Op, _ subject: String, delayMs: Int
    ) async throws -> (noAck: Bool, resumed: Bool, rolledBack: Bool, lost: Bool) {
        let c = await ledger.newCorrelation()
        let payload = message(op, h, subject, c)
        let first = Task { await h.send(ledger, op.rawValue, device: subject, payload, correlation: c, timeout: 3) }
        try await Task.sleep(for: .milliseconds(delayMs))  // sleep-audit: input (the pace or the point of an injected fault)
        try await h.crashAndRestartAgent()
        let firstAck = await first.value
        let again = try await h.sendUntilAcked(ledger, op.rawValue, device: subject, payload, correlation: c)
        if let firstAck, let id = firstAck["operation_id"] {
            #expect(again["operation_id"] == id && again["replayed"] == true, "re-sent #\(c) replays \(firstAck): \(again)")
        }
        let status = try await h.waitIdle(subject)
        let resumed = h.agent.log.contents.contains("resuming an interrupted operation")
        let id = try #require(again["operation_id"]?.stringValue, "\(op.rawValue) #\(c): \(again)")
        // The end event is required whatever the kill hit: journaled with the end (the outbox), it
        // is sent again at the restart when the kill fell between the journal and the emit.
        let end = try? await h.operationEnd(id, seconds: 30)
        #expect(end != nil, "\(op.rawValue) #\(c) (\(id)): no end event after a kill at \(delayMs) ms")
        var rolledBack = false
        if op == .create, status["is_running"] != true {
            // The interrupted create was rolled back: its end says so, and nothing of it is left.
            #expect(end?["status"] == "rolled_back" && end?["code"] == "interrupted", "\(end ?? [:])")
            try await h.expectNothingLeft(subject)
            rolledBack = true
            try await h.faultCreate(ledger, subject, host: Self.subjectHost)  // the cloud asks again
        } else {
            #expect(end?["status"] == "succeeded", "\(op.rawValue) #\(c) after a kill at \(delayMs) ms: \(end ?? [:])")
            // The operation did its job, whether the kill came before, during or after it.
            let reached = op == .delete ? status["status"] == "not_found" : status["is_running"] == .bool(op.leavesRunning)
            #expect(reached, "\(op.rawValue) #\(c) after a kill at \(delayMs) ms left \(status)")
        }
        return (firstAck == nil, resumed, rolledBack, end == nil)
    }
}
}

import AgentJSON
import Foundation
import LabSupport
import Testing

extension Faults {
/// Scenario 1: the cloud drops the agent's link every 2–6 s (seeded) while commands flow over
/// several vPLCs; a command whose ack did not come is re-sent with the same correlation id.
@Suite("cloud link drops while commands flow")
struct LinkDrops {
    enum Model { case absent, running, stopped }

    @Test("link dropped every 2–6 s (seeded) for FAULT_LINK_SECONDS while create/start/stop/restart/delete/status flow over three vPLCs; invariants")
    func dropsWhileCommandsFlow() async throws {
        let knobs = FaultKnobs.current
        var rng = knobs.rng("link-drops")
        var dropRNG = knobs.rng("link-drops-timer")
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("flink") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab)
        defer { h.stop() }
        let ledger = CommandLedger()
        let calm = uniqueDevice("calm")
        try await h.faultCreate(ledger, calm, host: 70)
        let calmMark = try await FaultInvariants.marks(h, [calm])
        let devices = (0..<3).map { uniqueDevice("link\($0)") }
        var model: [String: Model] = Dictionary(uniqueKeysWithValues: devices.map { ($0, Model.absent) })

        // The dropper: /disconnect after a seeded 2–6 s, again and again, until told to stop.
        let delays = (0..<2000).map { _ in dropRNG.milliseconds(2000...6000) }
        let cloud = h.cloud
        let dropper = Task {
            var drops = 0
            for d in delays {
                try? await Task.sleep(for: .milliseconds(d))  // sleep-audit: input (the pace or the point of an injected fault)
                if Task.isCancelled { break }
                if let r = try? await cloud.request("POST", "/disconnect", .object([:])),
                    !(r["disconnected"]?.arrayValue ?? []).isEmpty
                {
                    drops += 1
                }
            }
            return drops
        }
        let extraDrops = DropCounter()
        let began = Date()
        var statusQueries = 0, statusAnswered = 0
        while Date().timeIntervalSince(began) < knobs.linkSeconds {
            let device = devices[Int.random(in: 0..<devices.count, using: &rng)]
            let topic: String
            switch model[device] ?? .absent {
            case .absent: topic = "create_new_runtime"
            case .running: topic = ["stop_device", "restart_device", "get_device_status", "get_device_status", "delete_device"][Int.random(in: 0..<5, using: &rng)]
            case .stopped: topic = ["start_device", "get_device_status", "delete_device"][Int.random(in: 0..<3, using: &rng)]
            }
            if topic == "get_device_status" {
                statusQueries += 1
                if (try? await h.status(device)) != nil { statusAnswered += 1 }
                continue
            }
            let c = await ledger.newCorrelation()
            let host = 71 + (devices.firstIndex(of: device) ?? 0)
            let payload = topic == "create_new_runtime"
                ? h.createRequest(device, host: host, correlation: c) : VPLCHarness.deviceMessage(device, c)
            // One command in three has the link dropped right under it (0–40 ms after the emit),
            // so its ack is often lost and the command re-sent with the same correlation id.
            var underIt: Task<Void, Never>? = nil
            if Int.random(in: 0..<3, using: &rng) == 0 {
                let after = rng.milliseconds(0...40)
                underIt = Task {
                    try? await Task.sleep(for: .milliseconds(after))  // sleep-audit: input (the pace or the point of an injected fault)
                    if let r = try? await cloud.request("POST", "/disconnect", .object([:])), !(r["disconnected"]?.arrayValue ?? []).isEmpty {
                        await extraDrops.add()
                    }
                }
            }
            let ack = try await h.sendUntilAcked(ledger, topic, device: device, payload, correlation: c, ackTimeout: 4)
            await underIt?.value
            #expect(ack["operation_id"] != nil, "\(topic) #\(c) accepted: \(ack)")
            let s = try await h.waitIdle(device)
            let now: Model = s["container_status"] == nil ? .absent : (s["is_running"] == true ? .running : .stopped)
            model[device] = now
        }
        dropper.cancel()
        let drops = await dropper.value
        let present = Set(model.filter { $0.value != .absent }.keys).union([calm])
        let running = Set(model.filter { $0.value == .running }.keys).union([calm])
        let figures = try await FaultInvariants.check(h, ledger: ledger, expected: present, running: running, untouched: calmMark)
        let connections = try await h.cloud.connections().count
        faultReport(
            "link-drops",
            "\(Int(Date().timeIntervalSince(began))) s, \(drops) timed drops + \(await extraDrops.value) under a command, \(figures), status queries \(statusAnswered)/\(statusQueries) answered, connections \(connections)")
        #expect(drops >= Int(knobs.linkSeconds / 8), "the link was really dropped")
        for d in present.sorted() { try await h.faultCommand(ledger, "delete_device", d) }
        try await FaultInvariants.check(h, ledger: ledger, expected: [])
        await h.shutdown()
    }
}
}

/// A count shared with child tasks.
actor DropCounter {
    private(set) var value = 0
    func add() { value += 1 }
}

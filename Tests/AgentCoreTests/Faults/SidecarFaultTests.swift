import AgentJSON
import Foundation
import LabSupport
import Synchronization
import Testing

extension Faults {
/// Scenario 3: the netmon sidecar SIGKILLed at a seeded point of a DHCP and of a static create
/// while `get_host_interfaces` queries run, and started again a seeded 0.5–2 s later.
@Suite("netmon sidecar dies and comes back")
struct SidecarDies {
    @Test("sidecar SIGKILLed during a DHCP create and during a static create, with host-interface queries running; every query answered; leases and invariants after")
    func sidecarDiesMidOperation() async throws {
        let knobs = FaultKnobs.current
        var rng = knobs.rng("sidecar")
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("fnetmon") }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }
        let sidecar = try #require(h.sidecar)
        let ledger = CommandLedger()
        let calm = uniqueDevice("calm")
        try await h.faultCreate(ledger, calm, host: 90)
        let calmMark = try await FaultInvariants.marks(h, [calm])

        // The queries: every one must be answered (data or a typed error), none may hang. They end
        // on a flag, not by cancelling the task: a cancel would abort the call in flight and count
        // it as unanswered.
        let cloud = h.cloud
        let stop = QueryStop()
        let queries = Task { () -> (sent: Int, data: Int, errors: Int, unanswered: Int) in
            var n = (sent: 0, data: 0, errors: 0, unanswered: 0)
            while !stop.isSet {
                n.sent += 1
                if let ack = try? await cloud.call("get_host_interfaces", .object(["include_virtual": true]), timeout: 15).first?.objectValue {
                    if ack["interfaces"] != nil { n.data += 1 } else { n.errors += 1 }
                } else {
                    n.unanswered += 1
                }
                try? await Task.sleep(for: .milliseconds(200))  // sleep-audit: input (the pace or the point of an injected fault)
            }
            return n
        }
        let dhcp = uniqueDevice("fdhcp"), fixed = uniqueDevice("fstatic")
        var kills: [String] = []
        for (device, mode) in [(dhcp, "dhcp"), (fixed, "static")] {
            let c = await ledger.newCorrelation()
            var vnic: JSONObject = ["name": "lan", "parent_interface": .string(lab.parentInterface), "network_mode": .string(mode)]
            if mode == "static" {
                // With its subnet: the listener's cache may still be empty after the last kill.
                vnic["ip"] = .string(lab.lanAddress(91))
                vnic["subnet"] = .string(lab.lanSubnet)
                vnic["gateway"] = .string(lab.lanGateway)
            }
            let payload: JSONObject = ["container_name": .string(device), "vnic_configs": [.object(vnic)], "correlation_id": .number(Double(c))]
            let ack = try await h.sendUntilAcked(ledger, "create_new_runtime", device: device, payload, correlation: c)
            let id = try #require(ack["operation_id"]?.stringValue, "\(ack)")
            let delay = rng.milliseconds(0...1500), down = rng.milliseconds(500...2000)
            try await Task.sleep(for: .milliseconds(delay))  // sleep-audit: input (the pace or the point of an injected fault)
            try await DockerLab.blocking { sidecar.kill9() }
            try await Task.sleep(for: .milliseconds(down))  // sleep-audit: input (the pace or the point of an injected fault)
            try await DockerLab.blocking { try sidecar.restart() }
            kills.append("\(mode): kill at \(delay) ms, down \(down) ms")
            let end = try await h.operationEnd(id, seconds: 60)
            #expect(end["status"] == "succeeded", "\(mode) create with the sidecar killed: \(end)")
        }
        // The DHCP vPLC holds a lease from dnsmasq, through exactly one client.
        let leased = try await h.waitStatus(dhcp, seconds: 40) {
            $0["vnics"]?.arrayValue?.first?.objectValue?["dhcp"]?.objectValue?["state"] == "bound"
        }
        #expect(leased["vnics"]?.arrayValue?.first?.objectValue?["dhcp"]?.objectValue?["state"] == "bound", "\(leased)")
        var clients = dhcpClients(key: "\(dhcp):lan")
        for _ in 0..<100 where clients.count != 1 {
            try await Task.sleep(for: .milliseconds(200))  // sleep-audit: poll (the interval of a wait with a deadline)
            clients = dhcpClients(key: "\(dhcp):lan")
        }
        #expect(clients.count == 1, "one DHCP client for the vPLC: \(clients)")
        // The listener knows the LAN again.
        let back = try await h.cloud.waitUntil(seconds: 20) {
            let a = try await h.call("get_host_interfaces", ["include_virtual": true])
            return a["interfaces"]?.arrayValue?.contains { $0.objectValue?["name"]?.stringValue == lab.parentInterface && $0.objectValue?["subnet"] == "192.168.77.0/24" } == true
        }
        #expect(back, "get_host_interfaces shows the LAN after the sidecar came back")
        stop.set()
        let q = await queries.value
        #expect(q.unanswered == 0, "host-interface queries without an answer: \(q)")
        #expect(q.data > 0)
        let figures = try await FaultInvariants.check(
            h, ledger: ledger, expected: [calm, dhcp, fixed], running: [calm, dhcp, fixed], untouched: calmMark)
        faultReport("sidecar", "\(kills.joined(separator: "; ")); queries \(q.sent) sent, \(q.data) with data, \(q.errors) typed errors, \(q.unanswered) unanswered; \(figures)")
        for d in [dhcp, fixed, calm] { try await h.faultCommand(ledger, "delete_device", d) }
        try await FaultInvariants.check(h, ledger: ledger, expected: [])
        await h.shutdown()
    }
}
}

/// Ends the query loop after its call in flight has its answer.
private final class QueryStop: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

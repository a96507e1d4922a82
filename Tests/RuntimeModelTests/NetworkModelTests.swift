import AgentJSON
import RuntimeModel
import Testing

@Suite("re-attach decisions, DHCP leases, Docker's reserved range")
struct NetworkModelTests {
    func vnic(_ mode: String, ip: String? = nil, detached: Bool = false) -> DeviceRecord.VNIC {
        var v = DeviceRecord.VNIC(name: "lan", network: "macvlan_eth0_192.168.77.0_24", parent: "eth0", mode: mode, mac: "02:aa:bb:cc:dd:ee", ip: ip)
        if detached { v.detached = RuntimeError("subnet_mismatch", "x") }
        return v
    }
    let old = IPv4Network(cidr: "192.168.77.0/24")!
    let wider = IPv4Network(cidr: "192.168.76.0/23")!
    let other = IPv4Network(cidr: "10.77.0.0/24")!

    @Test("same subnet: keep; unless the parent was re-created")
    func keep() {
        #expect(ReattachDecision.decide(vnic("static", ip: "192.168.77.10"), current: old, subnet: old, gateway: nil, parentRecreated: false) == .keep)
        #expect(ReattachDecision.decide(vnic("dhcp"), current: old, subnet: old, gateway: nil, parentRecreated: false) == .keep)
        #expect(ReattachDecision.decide(vnic("dhcp"), current: old, subnet: old, gateway: nil, parentRecreated: true) == .move(ip: nil))
        #expect(
            ReattachDecision.decide(vnic("static", ip: "192.168.77.10"), current: old, subnet: old, gateway: nil, parentRecreated: true)
                == .move(ip: IPv4("192.168.77.10")))
    }

    @Test("a static address that fits the new subnet is kept; one that does not is detached with a typed reason")
    func staticFit() {
        #expect(
            ReattachDecision.decide(vnic("static", ip: "192.168.77.10"), current: old, subnet: wider, gateway: IPv4("192.168.76.1"), parentRecreated: false)
                == .move(ip: IPv4("192.168.77.10")))
        guard case .detach(let e) = ReattachDecision.decide(vnic("static", ip: "192.168.77.10"), current: old, subnet: other, gateway: nil, parentRecreated: false)
        else { Issue.record("expected detach"); return }
        #expect(e.code == "subnet_mismatch" && e.message.contains("10.77.0.0/24"))
        guard case .detach(let gw) = ReattachDecision.decide(vnic("static", ip: "10.77.0.1"), current: old, subnet: other, gateway: IPv4("10.77.0.1"), parentRecreated: false)
        else { Issue.record("expected detach"); return }
        #expect(gw.code == "address_conflict")
        guard case .detach(let bcast) = ReattachDecision.decide(vnic("static", ip: "10.77.0.255"), current: old, subnet: other, gateway: nil, parentRecreated: false)
        else { Issue.record("expected detach"); return }
        #expect(bcast.code == "subnet_mismatch")
    }

    @Test("a detached vNIC is attached again when the LAN comes back, even to the subnet it was on")
    func comesBack() {
        #expect(
            ReattachDecision.decide(vnic("static", ip: "192.168.77.10", detached: true), current: nil, subnet: old, gateway: nil, parentRecreated: false)
                == .move(ip: IPv4("192.168.77.10")))
        #expect(ReattachDecision.decide(vnic("dhcp"), current: nil, subnet: other, gateway: nil, parentRecreated: false) == .move(ip: nil))
        // Still not fitting, already detached for that reason: nothing to do (no repeated reports).
        #expect(
            ReattachDecision.decide(vnic("static", ip: "192.168.77.10", detached: true), current: nil, subnet: other, gateway: nil, parentRecreated: false)
                == .keep)
    }

    @Test("Docker's range is the top block of the subnet; none when not narrower")
    func dockerRange() {
        #expect(ReattachDecision.dockerRange(of: old, prefix: 28)?.description == "192.168.77.240/28")
        #expect(ReattachDecision.dockerRange(of: wider, prefix: 28)?.description == "192.168.77.240/28")
        #expect(ReattachDecision.dockerRange(of: old, prefix: 24) == nil)
        #expect(ReattachDecision.dockerRange(of: old, prefix: 0) == nil)
    }

    @Test("dhcp_update payloads: ours and the Python sidecar's")
    func leases() throws {
        let ours = try #require(
            DHCPLease(
                update: [
                    "container_name": "plc1", "vnic_name": "lan", "event": "bound", "ip": "192.168.77.103", "prefix": 24,
                    "gateway": "192.168.77.1", "dns": "192.168.77.1 1.1.1.1", "lease_time": 3600, "timestamp": "t1",
                ], now: "now"))
        #expect(ours.isBound && ours.dns == ["192.168.77.1", "1.1.1.1"] && ours.prefix == 24 && ours.updatedAt == "t1")
        #expect(ours.json["ip_address"] == "192.168.77.103" && ours.json["state"] == "bound")
        let python = try #require(DHCPLease(update: ["container_name": "plc1", "vnic_name": "lan", "ip": "10.0.0.5", "prefix": "24", "lease_time": "600"], now: "n"))
        #expect(python.isBound && python.event == "bound" && python.prefix == 24 && python.leaseSeconds == 600)
        let stopped = try #require(DHCPLease(update: ["container_name": "p", "vnic_name": "lan", "event": "stopped", "ip": .null, "error": "container_exited"], now: "n"))
        #expect(!stopped.isBound && stopped.json["state"] == "stopped" && stopped.json["ip_address"] == nil)
        #expect(DHCPLease(update: ["vnic_name": "lan"], now: "n") == nil)
    }

    @Test("get_device_status: a DHCP vNIC shows its lease, a detached one its reason")
    func status() throws {
        var record = DeviceRecord(deviceID: "plc1", spec: [:], fingerprint: "f", vnics: [vnic("dhcp"), vnic("static", ip: "192.168.77.10", detached: true)], createdAt: "t")
        record.vnics[1].name = "lan2"
        let inspect: JSONObject = [
            "state": ["status": "running", "running": true],
            "networks": ["macvlan_eth0_192.168.77.0_24": ["ip_address": "192.168.77.240", "mac_address": "02:aa:bb:cc:dd:ee", "gateway": "192.168.77.1"]],
        ]
        let lease = try #require(DHCPLease(update: ["container_name": "plc1", "vnic_name": "lan", "event": "bound", "ip": "192.168.77.101", "gateway": "192.168.77.1"], now: "n"))
        let s = DeviceStatus.compose(deviceID: "plc1", inspect: inspect, record: record, lastOperation: nil, now: 0, leases: ["lan": lease])
        let vnics = (s["vnics"]?.arrayValue ?? []).compactMap { $0.objectValue }
        try #require(vnics.count == 2)
        #expect(vnics[0]["ip_address"] == "192.168.77.101" && vnics[0]["state"] == "attached")
        #expect(vnics[1]["state"] == "detached" && vnics[1]["reason"]?.objectValue?["code"] == "subnet_mismatch")
        #expect(s["networks"]?.objectValue?["macvlan_eth0_192.168.77.0_24"]?.objectValue?["ip_address"] == "192.168.77.101", "spec §2.5: the lease replaces Docker's address")
    }
}

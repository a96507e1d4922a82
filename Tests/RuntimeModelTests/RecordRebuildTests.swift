import AgentJSON
import RuntimeModel
import Testing

@Suite("records rebuilt from a container; CPU percentage from two readings")
struct RecordRebuildTests {
    static func spec() throws -> DeviceSpec {
        try DeviceSpec(message: [
            "container_name": "plc1",
            "vnic_configs": [
                ["name": "lan", "parent_interface": "eth0", "network_mode": "static", "ip": "192.168.1.10", "subnet": "192.168.1.0/24"],
                ["name": "field", "parent_interface": "eth1", "network_mode": "dhcp", "mac": "02:00:00:00:00:07"],
                ["name": "spare", "parent_interface": "eth2", "network_mode": "dhcp"],
            ],
        ])
    }

    @Test("each vNIC's network comes from its label, MAC and address from the container's endpoint, else the spec")
    func rebuilt() throws {
        let spec = try Self.spec()
        let container: JSONObject = [
            "id": "c0ffee",
            "labels": [
                "io.autonomy.vnic.lan": "macvlan_eth0_192.168.1.0_24", "io.autonomy.vnic.field": "macvlan_eth1_10.0.0.0_24",
            ],
            "networks": [
                "macvlan_eth0_192.168.1.0_24": ["mac_address": "02:11:22:33:44:55", "ip_address": "192.168.1.10"],
            ],
        ]
        let r = DeviceRecord.rebuilt(container: container, spec: spec, createdAt: "2026-01-01T00:00:00.000000Z")
        #expect(r.deviceID == "plc1" && r.containerID == "c0ffee" && r.fingerprint == spec.fingerprint)
        #expect(r.desired == .running && r.restarts == 0 && !r.crashLoop && r.adoptedFrom == nil)
        #expect(r.createdAt == "2026-01-01T00:00:00.000000Z")
        #expect(r.vnics.map(\.name) == ["lan", "field", "spare"])
        #expect(r.vnics[0].network == "macvlan_eth0_192.168.1.0_24" && r.vnics[0].mac == "02:11:22:33:44:55")
        #expect(r.vnics[0].ip == "192.168.1.10" && r.vnics[0].parent == "eth0" && r.vnics[0].mode == "static")
        // Labelled but no endpoint on the network: the spec's MAC, no address.
        #expect(r.vnics[1].network == "macvlan_eth1_10.0.0.0_24" && r.vnics[1].mac == "02:00:00:00:00:07" && r.vnics[1].ip == nil)
        // Neither label nor MAC: empty, never invented.
        #expect(r.vnics[2].network == "" && r.vnics[2].mac == "" && r.vnics[2].mode == "dhcp")
        #expect(try DeviceRecord(json: r.json) == r)
    }

    @Test("CPU percentage: none without a previous reading or when a counter did not move forward")
    func cpuPercent() {
        let first = CPUUsage.Reading(cpuNs: 1_000, systemNs: 10_000)
        #expect(CPUUsage.percent(from: nil, to: first, cpus: 4) == 0)
        // 500 ns of 2 000 ns host time on 4 CPUs: 100 %.
        #expect(CPUUsage.percent(from: first, to: .init(cpuNs: 1_500, systemNs: 12_000), cpus: 4) == 100)
        // Zero CPUs reported counts as one.
        #expect(CPUUsage.percent(from: first, to: .init(cpuNs: 1_500, systemNs: 12_000), cpus: 0) == 25)
        #expect(CPUUsage.percent(from: first, to: .init(cpuNs: 1_500, systemNs: 10_000), cpus: 4) == 0)
        #expect(CPUUsage.percent(from: first, to: .init(cpuNs: 900, systemNs: 12_000), cpus: 4) == 0)
    }
}

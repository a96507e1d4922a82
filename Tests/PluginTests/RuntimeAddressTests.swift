import AgentJSON
import AgentPluginKit
import AgentPluginTestKit
import Testing

/// The vPLC plugin's address announcements and conflict probe, on the test kit's fakes (the
/// sidecar's side is proven on real links in NetmonTests' ARP lab).
@Suite("vPLC plugin on the test kit: address announcements and conflicts")
struct RuntimeAddressTests {
    @Test("a static vPLC's address is probed before the create and announced from its vNIC once it runs")
    func announcedAfterStart() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let (_, end) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1", ip: "192.168.50.33"))
            #expect(end["status"] == "succeeded", "\(end)")
            let probe = try #require(bed.netmon.commands("probe_address").first)
            #expect(probe["interface"] == "eth0" && probe["ip_address"] == "192.168.50.33", "\(probe)")
            let announced = try await host.awaitEffect("an announcement of plc1's address") {
                bed.netmon.commands("announce_address").first
            }
            #expect(announced["ip_address"] == "192.168.50.33")
            #expect(announced["container_pid"]?.numberValue ?? 0 > 0)
            let create = try #require(bed.engine.calls.first { $0.method == "container.create" }?.params)
            let lan = create["networks"]?.arrayValue?.compactMap(\.objectValue).first { $0["ipv4_address"] == "192.168.50.33" }
            #expect(announced["mac_address"] == lan?["mac_address"], "the vNIC's own MAC: \(announced) \(String(describing: lan))")
        }
    }

    @Test("an address another LAN host answers for is refused with address_in_use naming its MAC; nothing is made")
    func conflictRefused() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            bed.netmon.onCommand("probe_address") { fields throws(PluginError) in
                fields["ip_address"] == "192.168.50.44" ? ["success": true, "in_use": true, "mac_address": "02:00:00:00:dd:07"] : ["success": true, "in_use": false]
            }
            try bed.loadRuntime()
            let (_, end) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1", ip: "192.168.50.44"))
            #expect(["failed", "rolled_back"].contains(end["status"]?.stringValue ?? ""), "\(end)")
            #expect(end["code"] == "address_in_use")
            #expect(end["field"] == "vnic_configs[0].ip")
            #expect(end["error"]?.stringValue?.contains("02:00:00:00:dd:07") == true, "\(end)")
            #expect(bed.engine.containers.isEmpty && bed.engine.networks.isEmpty)
            let (_, other) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc2", ip: "192.168.50.45"))
            #expect(other["status"] == "succeeded", "\(other)")
        }
    }

    @Test("a DHCP bind is announced; with announce_addresses and probe_addresses off nothing is sent")
    func dhcpBindAndSwitches() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let message: JSONObject = ["container_name": "plc2", "vnic_configs": [["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp"]]]
            _ = try await bed.operate("create_new_runtime", message)
            bed.netmon.emit("dhcp_update", ["container_name": "plc2", "vnic_name": "lan", "event": "bound", "ip": "192.168.50.77", "mask": "24"])
            let announced = try await host.awaitEffect("the bound address announced") {
                bed.netmon.commands("announce_address").first { $0["ip_address"] == "192.168.50.77" }
            }
            #expect(announced["container_pid"]?.numberValue ?? 0 > 0)
        }
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime(["announce_addresses": false, "probe_addresses": false])
            let (_, end) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            #expect(end["status"] == "succeeded", "\(end)")
            bed.netmon.emit("dhcp_update", ["container_name": "plc1", "vnic_name": "lan", "event": "bound", "ip": "192.168.50.78"])
            _ = try await bed.operate("restart_device", ["device_id": "plc1"])
            #expect(bed.netmon.commands("announce_address").isEmpty && bed.netmon.commands("probe_address").isEmpty)
        }
    }
}

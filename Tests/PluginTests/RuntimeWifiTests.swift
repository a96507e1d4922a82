import AgentJSON
import AgentPluginTestKit
import Testing

/// The vPLC plugin's WiFi vNICs and dedicated-NIC claims on the test kit (no root, no kernel:
/// the sidecar is the fake netmon, which answers the bridge commands as the real one does).
@Suite("vPLC plugin on the test kit: WiFi vNICs and dedicated NIC claims")
struct RuntimeWifiTests {
    static let wifi = FakeNetmon.interface("wlan0", address: "192.168.60.10", prefix: 24, subnet: "192.168.60.0/24", gateway: "192.168.60.1", type: "wifi")

    /// A sidecar that builds bridges: answers `proxy_arp_config` from the request.
    static func bridging(_ netmon: FakeNetmon) {
        netmon.set(wifi)
        netmon.onCommand("setup_proxy_arp_bridge") { p in
            [
                "success": true,
                "proxy_arp_config": [
                    "veth_host": .string("veth-" + String((p["container_name"]?.stringValue ?? "").prefix(8))), "veth_container": "wifi0",
                    "ip_address": p["ip_address"] ?? .null, "gateway": p["gateway"] ?? .null,
                    "parent_interface": p["parent_interface"] ?? .null, "prefix": p["subnet_mask"] ?? 24,
                ],
            ]
        }
    }

    @Test("a static vNIC on a WiFi parent: no MACVLAN, a bridge after the start, recorded, in status as wifi_<parent>_<vnic>, removed at delete")
    func staticWifi() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            Self.bridging(bed.netmon)
            try bed.loadRuntime()
            let end = try await bed.operate("create_new_runtime", [
                "container_name": "plcw", "vnic_configs": [["name": "wl", "parent_interface": "wlan0", "network_mode": "static", "ip": "192.168.60.40"]],
            ]).end
            #expect(end["status"] == "succeeded", "\(end)")
            let macvlans = try await bed.engine.invoke(method: "network.list", params: ["driver": "macvlan"]).arrayValue ?? []
            #expect(macvlans.isEmpty, "never a MACVLAN on a WiFi parent: \(macvlans)")
            let setup = try await host.awaitEffect("a bridge for plcw") { bed.netmon.commands("setup_proxy_arp_bridge").first }
            #expect(setup["container_name"] == "plcw" && setup["vnic_name"] == "wl" && setup["ip_address"] == "192.168.60.40")
            #expect(setup["subnet_mask"] == 24 && setup["gateway"] == "192.168.60.1" && setup["parent_interface"] == "wlan0")
            #expect((setup["container_pid"]?.numberValue ?? 0) > 0)
            let status = try await host.awaitEffect("the bridge recorded") { () async -> JSONObject? in
                let s = await host.call("get_device_status", ["device_id": "plcw"])
                return s["vnics"]?.arrayValue?.first?.objectValue?["state"] == "attached" ? s : nil
            }
            #expect(status["networks"]?.objectValue?["wifi_wlan0_wl"]?.objectValue == ["ip_address": "192.168.60.40", "mac_address": .null, "gateway": "192.168.60.1"])
            #expect(status["vnics"]?.arrayValue?.first?.objectValue?["proxy_arp"]?.objectValue?["veth_host"] == "veth-plcw")

            #expect(try await bed.operate("stop_device", ["device_id": "plcw"]).end["status"] == "succeeded")
            #expect(bed.netmon.commands("cleanup_proxy_arp_bridge").count == 1, "a stop removes the bridge (its proxy neighbour would outlive the namespace)")
            #expect(try await bed.operate("delete_device", ["device_id": "plcw"]).end["status"] == "succeeded")
            let cleanup = try #require(bed.netmon.commands("cleanup_proxy_arp_bridge").last)
            #expect(cleanup["veth_host"] == "veth-plcw" && cleanup["ip_address"] == "192.168.60.40" && cleanup["parent_interface"] == "wlan0")
        }
    }

    @Test("the WiFi parent's LAN moves: the static vNIC's bridge is built again with the same address and the new gateway; the same LAN changes nothing")
    func follow() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            Self.bridging(bed.netmon)
            try bed.loadRuntime()
            _ = try await bed.operate("create_new_runtime", [
                "container_name": "plcf", "vnic_configs": [["name": "wl", "parent_interface": "wlan0", "network_mode": "static", "ip": "192.168.60.40"]],
            ])
            _ = try await host.awaitEffect("the bridge recorded") { () async -> Bool? in
                let s = await host.call("get_device_status", ["device_id": "plcf"])
                return s["vnics"]?.arrayValue?.first?.objectValue?["state"] == "attached" ? true : nil
            }
            bed.netmon.emit("network_change", Self.wifi)
            let moved = FakeNetmon.interface("wlan0", address: "10.60.0.10", prefix: 16, subnet: "10.60.0.0/16", gateway: "10.60.0.1", type: "wifi")
            bed.netmon.set(moved)
            bed.netmon.emit("network_change", moved)
            let again = try await host.awaitEffect("a bridge with the new gateway") {
                bed.netmon.commands("setup_proxy_arp_bridge").first { $0["gateway"] == "10.60.0.1" }
            }
            #expect(again["ip_address"] == "192.168.60.40" && again["subnet_mask"] == 16, "\(again)")
            // Changes of one parent are handled in order: the same LAN came first and removed nothing.
            #expect(bed.netmon.commands("cleanup_proxy_arp_bridge").count == 1, "\(bed.netmon.commands("cleanup_proxy_arp_bridge"))")
        }
    }

    @Test("self-destruct removes every bridge in its step cleaning_proxy_arp, after the vPLCs are deleted")
    func selfDestruct() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            Self.bridging(bed.netmon)
            bed.netmon.onCommand("cleanup_all_proxy_arp") { _ in ["success": true, "veths_removed": 1] }
            try bed.loadRuntime()
            _ = try await bed.operate("create_new_runtime", [
                "container_name": "plcs", "vnic_configs": [["name": "wl", "parent_interface": "wlan0", "network_mode": "static", "ip": "192.168.60.41"]],
            ])
            _ = try await host.awaitEffect("the bridge") { bed.netmon.commands("setup_proxy_arp_bridge").first }
            let end = try await bed.operate("delete_orchestrator", [:]).end
            #expect(end["status"] == "succeeded", "\(end)")
            let names = bed.netmon.commands.compactMap { $0["command"]?.stringValue }
            let all = try #require(names.lastIndex(of: "cleanup_all_proxy_arp"), "\(names)")
            let perDevice = try #require(names.lastIndex(of: "cleanup_proxy_arp_bridge"), "the vPLC's delete removed its bridge: \(names)")
            #expect(perDevice < all, "\(names)")
            #expect(names.filter { $0 == "cleanup_all_proxy_arp" }.count == 1)
        }
    }

    @Test("a DHCP vNIC on a WiFi parent asks request_wifi_dhcp with client id <vPLC>:<vNIC>; the dhcp_update's bridge is its address")
    func dhcpWifi() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            Self.bridging(bed.netmon)
            try bed.loadRuntime()
            let end = try await bed.operate("create_new_runtime", [
                "container_name": "plcd", "vnic_configs": [["name": "wl", "parent_interface": "wlan0", "network_mode": "dhcp"]],
            ]).end
            #expect(end["status"] == "succeeded", "\(end)")
            let request = try await host.awaitEffect("request_wifi_dhcp") { bed.netmon.commands("request_wifi_dhcp").first }
            #expect(request["client_id"] == "plcd:wl" && request["parent_interface"] == "wlan0")
            #expect(bed.netmon.commands("start_dhcp").isEmpty, "no MACVLAN DHCP client")
            bed.netmon.emit("dhcp_update", [
                "container_name": "plcd", "vnic_name": "wl", "mac_address": .null, "event": "bound", "ip": "192.168.60.105", "prefix": 24,
                "gateway": "192.168.60.1",
                "proxy_arp_config": ["veth_host": "veth-plcd", "veth_container": "wifi0", "ip_address": "192.168.60.105", "gateway": "192.168.60.1", "parent_interface": "wlan0"],
            ])
            let status = try await host.awaitEffect("the lease in status") { () async -> JSONObject? in
                let s = await host.call("get_device_status", ["device_id": "plcd"])
                return s["networks"]?.objectValue?["wifi_wlan0_wl"]?.objectValue?["ip_address"] == "192.168.60.105" ? s : nil
            }
            #expect(status["networks"]?.objectValue?["wifi_wlan0_wl"]?.objectValue?["mac_address"] == .null)
        }
    }

    @Test("a NIC dedicated to one vPLC is refused for another before the ack, as dedicated NIC or as a parent; a WiFi NIC is never dedicated")
    func dedicatedClaims() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            Self.bridging(bed.netmon)
            bed.netmon.set(FakeNetmon.interface("ecat0", address: "10.0.0.1", prefix: 24, subnet: "10.0.0.0/24"))
            try bed.loadRuntime()
            let end = try await bed.operate("create_new_runtime", ["container_name": "plc1", "vnic_configs": [], "dedicated_interface": "ecat0"]).end
            #expect(end["status"] == "succeeded", "\(end)")
            let move = try await host.awaitEffect("the move") { bed.netmon.commands("move_nic_to_container").first }
            #expect(move["container_name"] == "plc1", "the sidecar learns who holds the NIC (dedicated_to)")

            let second = await host.call("create_new_runtime", ["container_name": "plc2", "vnic_configs": [], "dedicated_interface": "ecat0"])
            #expect(second["status"] == "error" && second["code"] == "dedicated_interface_in_use" && second["field"] == "dedicated_interface", "\(second)")
            #expect(second["operation_id"] == nil)
            let parent = await host.call("create_new_runtime", [
                "container_name": "plc3", "vnic_configs": [["name": "l", "parent_interface": "ecat0", "network_mode": "static", "ip": "10.0.0.7"]],
            ])
            #expect(parent["code"] == "parent_is_dedicated" && parent["field"] == "vnic_configs[0].parent_interface", "\(parent)")
            let wifi = await host.call("create_new_runtime", ["container_name": "plc4", "vnic_configs": [], "dedicated_interface": "wlan0"])
            #expect(wifi["code"] == "dedicated_interface_wifi", "\(wifi)")
            let unknown = await host.call("create_new_runtime", ["container_name": "plc5", "vnic_configs": [], "dedicated_interface": "ecat9"])
            #expect(unknown["code"] == "dedicated_interface_unknown", "\(unknown)")
            let again = await host.call("create_new_runtime", ["container_name": "plc1", "vnic_configs": [], "dedicated_interface": "ecat0"])
            #expect(again["status"] == "creating", "the same vPLC's own NIC is not a conflict: \(again)")
        }
    }
}

import AgentJSON
import AgentPluginTestKit
import Testing

/// The vPLC plugin's reactions to the host network and to repeated crashes, on the test kit.
@Suite("vPLC plugin on the test kit: network moves and crash loops")
struct RuntimeNetworkTests {
    @Test("when the parent moves to another LAN, the MACVLAN is replaced and the DHCP vNIC re-attached without a restart")
    func networkMove() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let message: JSONObject = [
                "container_name": "plc2", "vnic_configs": [["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp"]],
            ]
            _ = try await bed.operate("create_new_runtime", message)
            let starts = bed.engine.calls.filter { $0.method == "container.start" }.count

            let moved = FakeNetmon.interface("eth0", address: "10.20.0.10", prefix: 24, subnet: "10.20.0.0/24", gateway: "10.20.0.1")
            bed.netmon.set(moved)
            bed.netmon.emit("network_change", moved)

            let connect = try await host.awaitEffect("plc2 connected to a network on the new LAN") {
                bed.engine.calls.first { $0.method == "network.connect" && $0.params["container"] == "plc2" }
            }
            let newNetwork = try #require(connect.params["network"]?.stringValue)
            let inspect = try await bed.engine.invoke(method: "network.inspect", params: ["id": .string(newNetwork)])
            #expect(inspect.objectValue?["subnet"] == "10.20.0.0/24", "\(inspect)")
            #expect(inspect.objectValue?["options"]?.objectValue?["parent"] == "eth0")
            // Docker allows one MACVLAN per parent: the old one is gone.
            let macvlans = try await bed.engine.invoke(method: "network.list", params: ["driver": "macvlan"]).arrayValue ?? []
            #expect(macvlans.count == 1, "\(macvlans)")
            #expect(bed.engine.calls.filter { $0.method == "container.start" }.count == starts, "the vPLC was restarted")
            #expect(bed.engine.status(of: "plc2") == "running")
        }
    }

    @Test("a vPLC that keeps dying is no longer restarted and the cloud is told (device_crash_loop)")
    func crashLoop() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime(["crash_loop_limit": 2, "crash_loop_window_s": 600])
            _ = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            // Two restarts are allowed; the third death within the window is a crash loop.
            for round in 1...3 {
                _ = try await host.awaitEffect("plc1 running before crash \(round)") {
                    bed.engine.status(of: "plc1") == "running" ? true : nil
                }
                #expect(bed.engine.crash("plc1", exitCode: 3))
                if round < 3 {
                    _ = try await host.awaitEffect("restart \(round) of plc1") {
                        host.events("local.vplc_restarted").count >= round ? true : nil
                    }
                }
            }
            let event = try await host.event("device_crash_loop") { $0["device_id"] == "plc1" }
            #expect(event.payload["exit_code"] == 3, "\(event.payload)")
            let listed = await host.call("list_devices")
            #expect(listed["devices"]?.arrayValue?.first?.objectValue?["crash_loop"] == true, "\(listed)")
            #expect(bed.engine.status(of: "plc1") == "exited")
            #expect(host.events("local.vplc_restarted").count == 2)
        }
    }
}

import AgentJSON
import AgentPluginTestKit
import Testing

/// The vPLC plugin's logic through its topics, on the test kit's fake engine and netmon.
@Suite("vPLC plugin on the test kit")
struct RuntimePluginTests {
    @Test("create: an internal network, a MACVLAN on the parent, a running container with the static address; status and list say so")
    func create() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let (ack, end) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            #expect(ack["status"] == "creating", "\(ack)")
            #expect(ack["container_id"] == "plc1")
            #expect(end["status"] == "succeeded", "\(end)")
            #expect(bed.engine.containers == ["plc1"])
            #expect(bed.engine.status(of: "plc1") == "running")
            let macvlan = try #require(bed.engine.calls.first { $0.method == "network.create" && $0.params["driver"] == "macvlan" })
            #expect(macvlan.params["options"]?.objectValue?["parent"] == "eth0")
            #expect(macvlan.params["ipam"]?.objectValue?["subnet"] == "192.168.50.0/24")
            let create = try #require(bed.engine.calls.first { $0.method == "container.create" }?.params)
            let nets = create["networks"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(nets.contains { $0["ipv4_address"] == "192.168.50.21" }, "\(nets)")

            let status = await host.call("get_device_status", ["device_id": "plc1"])
            #expect(status["status"] != "error", "\(status)")
            let listed = await host.call("list_devices")
            let devices = listed["devices"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(devices.map { $0["device_id"] } == ["plc1"])
            #expect(devices.first?["container_status"] == "running")
            // The completion went out through the transport, not only to the host.
            #expect(bed.transport.sent.contains { $0.topic == "operation_update" && $0.payload["status"] == "succeeded" })
        }
    }

    @Test("a repeated correlation_id gets the recorded ack and creates nothing twice")
    func replay() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let (ack, _) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1", correlation: 7))
            let again = await host.call("create_new_runtime", RuntimeTestBed.create("plc1", correlation: 7))
            #expect(again["replayed"] == true, "\(again)")
            #expect(again["operation_id"] == ack["operation_id"])
            #expect(bed.engine.calls.filter { $0.method == "container.create" }.count == 1)
        }
    }

    @Test("bad input is refused with a typed error naming the field, and nothing is made")
    func refusals() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let noName = await host.call("create_new_runtime", ["vnic_configs": []])
            #expect(noName["status"] == "error")
            #expect(noName["field"] == "container_name", "\(noName)")
            let badIP = await host.call("create_new_runtime", RuntimeTestBed.create("plc1", ip: "192.168.50.999"))
            #expect(badIP["status"] == "error", "\(badIP)")
            #expect(badIP["field"]?.stringValue?.contains("ip") == true, "\(badIP)")
            #expect(bed.engine.containers.isEmpty)
            #expect(!bed.engine.calls.contains { $0.method == "container.create" })
        }
    }

    @Test("an engine failure during create rolls back: the operation fails with the engine's code, nothing is left")
    func rollback() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            bed.engine.failNext("container.start", code: "engine_error", message: "injected start failure")
            let (_, end) = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            #expect(["failed", "rolled_back"].contains(end["status"]?.stringValue ?? ""), "\(end)")
            #expect(end["code"] == "engine_error", "\(end)")
            #expect(bed.engine.containers.isEmpty, "\(bed.engine.containers)")
            #expect(bed.engine.networks.isEmpty, "\(bed.engine.networks)")
        }
    }

    @Test("delete removes the container and its networks; status then says not found")
    func delete() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            _ = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            let (_, end) = try await bed.operate("delete_device", ["device_id": "plc1"])
            #expect(end["status"] == "succeeded", "\(end)")
            #expect(bed.engine.containers.isEmpty)
            #expect(bed.engine.networks.isEmpty, "\(bed.engine.networks)")
            let listed = await host.call("list_devices")
            #expect(listed["count"] == 0, "\(listed)")
        }
    }

    @Test("stop and start follow the desired state; a crash of a running vPLC is restarted")
    func lifecycle() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            _ = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))

            #expect(bed.engine.crash("plc1"))
            _ = try await host.awaitEffect("plc1 running again after its crash") {
                bed.engine.status(of: "plc1") == "running" ? true : nil
            }
            try await host.event("local.vplc_restarted") { $0["device_id"] == "plc1" }

            let (_, stopped) = try await bed.operate("stop_device", ["device_id": "plc1"])
            #expect(stopped["status"] == "succeeded", "\(stopped)")
            #expect(bed.engine.status(of: "plc1") == "exited")
            let listed = await host.call("list_devices")
            #expect(listed["devices"]?.arrayValue?.first?.objectValue?["desired_state"] == "stopped", "\(listed)")

            let (_, started) = try await bed.operate("start_device", ["device_id": "plc1"])
            #expect(started["status"] == "succeeded", "\(started)")
            #expect(bed.engine.status(of: "plc1") == "running")
        }
    }

    @Test("a DHCP vNIC asks the netmon sidecar for a lease with the container's MAC and PID")
    func dhcp() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            try bed.loadRuntime()
            let message: JSONObject = [
                "container_name": "plc2", "vnic_configs": [["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp"]],
            ]
            let (_, end) = try await bed.operate("create_new_runtime", message)
            #expect(end["status"] == "succeeded", "\(end)")
            let start = try await host.awaitEffect("a start_dhcp command") { bed.netmon.commands("start_dhcp").first }
            #expect(start["container_name"] == "plc2")
            #expect(start["vnic_name"] == "lan")
            #expect(start["container_pid"]?.numberValue ?? 0 > 0, "\(start)")
            #expect(start["mac_address"]?.stringValue?.count == 17, "\(start)")
        }
    }

    @Test("after a restart of the agent the plugin knows its vPLCs from the store and keeps them running")
    func restart() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let bed = RuntimeTestBed(host: host)
            let first = try bed.loadRuntime()
            _ = try await bed.operate("create_new_runtime", RuntimeTestBed.create("plc1"))
            await first.shutdown()
            #expect(await host.call("list_devices")["code"] == "unknown_topic")

            try bed.loadRuntime()
            let listed = await host.call("list_devices")
            #expect(listed["devices"]?.arrayValue?.first?.objectValue?["device_id"] == "plc1", "\(listed)")
            #expect(bed.engine.calls.filter { $0.method == "container.create" }.count == 1)
            #expect(bed.engine.status(of: "plc1") == "running")
        }
    }
}

import AgentJSON
import AgentPluginKit
import AgentPluginTestKit
import Synchronization
import Testing

/// Serial passthrough on the test kit: the fake sidecar's device table and the nodes it was asked
/// to bind (`bind_device_node` / `remove_device_node`). No root, no Docker.
@Suite("vPLC plugin on the test kit: serial passthrough")
struct RuntimeSerialTests {
    static func device(_ path: String, major: Int = 136, minor: Int) -> JSONObject {
        ["path": .string(path), "by_id": "/dev/serial/by-id/lab-adapter-1", "major": .number(Double(major)), "minor": .number(Double(minor))]
    }

    static let message: JSONObject = [
        "container_name": "plc1", "vnic_configs": [],
        "serial_configs": [["name": "rs485", "device_id": "lab-adapter-1", "container_path": "/dev/ttyS0", "baud_rate": 9600]],
    ]

    /// The fake sidecar's device table, as the test changes it.
    final class DeviceList: Sendable {
        private let list: Mutex<[JSONObject]>
        init(_ devices: [JSONObject]) { list = Mutex(devices) }
        func withLock<T>(_ body: (inout [JSONObject]) -> T) -> T { list.withLock { body(&$0) } }
        var json: JSONValue { .array(list.withLock { $0 }.map { JSONValue.object($0) }) }
    }

    /// The nodes the fake sidecar bound, container path → host path (by container PID), and how
    /// many binds it was asked for; `failNext` makes the next bind fail as the sidecar would.
    final class Nodes: Sendable {
        private let state = Mutex((nodes: [Int: [String: String]](), binds: 0, failNext: false))
        func of(_ pid: Int) -> [String: String] { state.withLock { $0.nodes[pid] ?? [:] } }
        var all: [String: String] { state.withLock { $0.nodes.values.reduce(into: [:]) { $0.merge($1) { a, _ in a } } } }
        var binds: Int { state.withLock { $0.binds } }
        func failNextBind() { state.withLock { $0.failNext = true } }
        func bind(_ p: JSONObject) throws(PluginError) -> JSONObject {
            let pid = Int(p["container_pid"]?.numberValue ?? 0)
            let path = p["container_path"]?.stringValue ?? "", host = p["host_path"]?.stringValue ?? ""
            let fail = state.withLock { s -> Bool in
                s.binds += 1
                if s.failNext {
                    s.failNext = false
                    return true
                }
                s.nodes[pid, default: [:]][path] = host
                return false
            }
            if fail { throw PluginError(code: "device_node_failed", message: "mounting the node at \(path): EPERM") }
            return ["success": true]
        }
        func remove(_ p: JSONObject) -> JSONObject {
            let pid = Int(p["container_pid"]?.numberValue ?? 0), path = p["container_path"]?.stringValue ?? ""
            let removed = state.withLock { $0.nodes[pid]?.removeValue(forKey: path) != nil }
            return ["success": true, "removed": .bool(removed)]
        }
    }

    /// The bed with a sidecar table the test changes and a sidecar that records the nodes.
    static func bed(_ host: TestHost, devices: DeviceList, nodes: Nodes) throws -> RuntimeTestBed {
        let bed = RuntimeTestBed(host: host)
        bed.netmon.onCommand("get_device_status") { _ in ["success": true, "devices": devices.json] }
        bed.netmon.onCommand("bind_device_node") { (p: JSONObject) throws(PluginError) -> JSONObject in try nodes.bind(p) }
        bed.netmon.onCommand("remove_device_node") { nodes.remove($0) }
        try bed.loadRuntime()
        return bed
    }

    static func port(_ status: JSONObject) -> JSONObject { status["serial_ports"]?.arrayValue?.first?.objectValue ?? [:] }

    @Test("create: the matched device's major is allowed and its node made; unplug removes it, re-plug makes it again, no restart")
    func plugCycle() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let devices = DeviceList([Self.device("/dev/pts/4", minor: 4)])
            let nodes = Nodes()
            let bed = try Self.bed(host, devices: devices, nodes: nodes)
            let (ack, end) = try await bed.operate("create_new_runtime", Self.message)
            #expect(ack["serial_configs_count"] == 1)
            #expect(end["status"] == "succeeded", "\(end)")
            let create = try #require(bed.engine.calls.first { $0.method == "container.create" })
            #expect(create.params["host_config"]?.objectValue?["DeviceCgroupRules"] == ["c 188:* rmw", "c 166:* rmw", "c 4:* rmw", "c 136:* rmw"])
            _ = try await host.awaitEffect("the node in plc1") { nodes.all["/dev/ttyS0"] == "/dev/pts/4" ? true : nil }
            let connected = try await host.event("serial_port_update") { $0["status"] == "connected" }
            #expect(connected.payload["device_id"] == "plc1")
            #expect(connected.payload["current_host_path"] == "/dev/pts/4")
            #expect(connected.payload["previous_status"] == .null)
            let status = await host.call("get_device_status", ["device_id": "plc1"])
            #expect(Self.port(status)["status"] == "connected", "\(status)")
            #expect(Self.port(status)["current_host_path"] == "/dev/pts/4")
            #expect(Self.port(status)["name"] == "rs485")
            let starts = bed.engine.calls.filter { $0.method == "container.start" }.count

            devices.withLock { $0 = [] }
            bed.netmon.emit("device_change", ["action": "remove", "device": .object(Self.device("/dev/pts/4", minor: 4))])
            _ = try await host.awaitEffect("the node removed") { nodes.all.isEmpty ? true : nil }
            let off = try await host.event("serial_port_update") { $0["status"] == "disconnected" }
            #expect(off.payload["previous_status"] == "connected")
            let down = await host.call("get_device_status", ["device_id": "plc1"])
            #expect(Self.port(down)["status"] == "disconnected")
            #expect(Self.port(down)["current_host_path"] == nil)

            let again = Self.device("/dev/pts/9", minor: 9)
            devices.withLock { $0 = [again] }
            bed.netmon.emit("device_change", ["action": "add", "device": .object(again)])
            _ = try await host.awaitEffect("the node made again") { nodes.all["/dev/ttyS0"] == "/dev/pts/9" ? true : nil }
            let up = await host.call("get_device_status", ["device_id": "plc1"])
            #expect(Self.port(up)["current_host_path"] == "/dev/pts/9", "\(up)")
            #expect(bed.engine.calls.filter { $0.method == "container.start" }.count == starts, "the vPLC was restarted")
            #expect(host.events("serial_port_update").count == 3)
        }
    }

    @Test("a vPLC restarted after a crash gets its node again (a new mount namespace)")
    func restartRemakes() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let devices = DeviceList([Self.device("/dev/ttyUSB0", major: 188, minor: 0)])
            let nodes = Nodes()
            let bed = try Self.bed(host, devices: devices, nodes: nodes)
            _ = try await bed.operate("create_new_runtime", Self.message)
            _ = try await host.awaitEffect("the node in plc1") { nodes.all["/dev/ttyS0"] != nil ? true : nil }
            let create = try #require(bed.engine.calls.first { $0.method == "container.create" })
            #expect(create.params["host_config"]?.objectValue?["DeviceCgroupRules"] == ["c 188:* rmw", "c 166:* rmw", "c 4:* rmw"])
            let made = nodes.binds
            #expect(bed.engine.crash("plc1"))
            _ = try await host.awaitEffect("the node made for the restarted container") {
                nodes.all["/dev/ttyS0"] == "/dev/ttyUSB0" && nodes.binds > made ? true : nil
            }
        }
    }

    @Test("a node the sidecar cannot make is reported as error with the sidecar's code and retried; bad serial_configs are refused")
    func errors() async throws {
        try await TestHost.with(config: RuntimeTestBed.daemonConfig()) { host in
            let devices = DeviceList([Self.device("/dev/pts/4", minor: 4)])
            let nodes = Nodes()
            let bed = try Self.bed(host, devices: devices, nodes: nodes)
            nodes.failNextBind()
            _ = try await bed.operate("create_new_runtime", Self.message)
            let failed = try await host.event("serial_port_update") { $0["status"] == "error" }
            #expect(failed.payload["code"] == "device_node_failed")
            #expect(failed.payload["error"] == "mounting the node at /dev/ttyS0: EPERM")
            // The next pass (a start event, the periodic check) tries again.
            _ = try await host.awaitEffect("the port connected on a later pass") {
                let status = await host.call("get_device_status", ["device_id": "plc1"])
                return Self.port(status)["status"] == "connected" ? true : nil
            }

            var bad = Self.message
            bad["container_name"] = "plc2"
            bad["serial_configs"] = [["name": "x", "device_id": "d", "container_path": "../etc/shadow"]]
            let refused = await host.call("create_new_runtime", bad)
            #expect(refused["status"] == "error", "\(refused)")
            #expect(refused["code"] == "invalid_serial_config")
            #expect(refused["field"] == "serial_configs[0].container_path")
        }
    }
}

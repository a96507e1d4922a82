import AgentJSON
import AgentPluginKit
import AgentPluginTestKit
import LabSupport
import NetmonListener
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The netmon listener plugin on the test kit, against a fake sidecar on a unix socket.
@Suite("Netmon listener on the test kit")
struct NetmonListenerKitTests {
    static let eth0 = FakeNetmon.interface("eth0", address: "192.168.77.10", prefix: 24, subnet: "192.168.77.0/24", gateway: "192.168.77.1")

    @Test("the sidecar's interfaces answer get_host_interfaces and agent.netmon; a gateway change asks the transport to reconnect")
    func interfaces() async throws {
        let socket = "/tmp/agent-plugintests-\(getpid())-netmon.sock"
        let sidecar = try FakeNetmonSidecar(path: socket, interfaces: [Self.eth0])
        defer { sidecar.stop() }
        try await TestHost.with { host in
            let transport = FakeTransport()
            host.register(transport: transport)
            try host.load(NetmonPlugin.self, config: ["socket": .string(socket), "reconnect_ms": 50])
            let netmon = try #require(host.lookup("agent.netmon"))

            let answer = try await host.awaitEffect("the sidecar's greeting in the table") {
                let a = await host.call("get_host_interfaces")
                return (a["interfaces"]?.arrayValue?.isEmpty == false) ? a : nil
            }
            let names = answer["interfaces"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue }
            #expect(names == ["eth0"], "\(answer)")
            let eth0 = try await netmon.invoke("interface", ["name": "eth0"])
            #expect(eth0.objectValue?["gateway"] == "192.168.77.1")
            await #expect(throws: PluginError.self) { try await netmon.invoke("interface", ["name": "nope"]) }

            var moved = Self.eth0
            moved["gateway"] = "192.168.77.254"
            sidecar.broadcast("network_change", moved)
            _ = try await host.awaitEffect("a reconnect request after the gateway changed") {
                transport.reconnectRequests > 0 ? true : nil
            }
            let reply = try await netmon.invoke("command", ["command": "get_dhcp_status"])
            #expect(reply.objectValue?["success"] == true, "\(reply)")
            #expect(sidecar.commands.contains { $0["command"] == "get_dhcp_status" })
        }
    }

    @Test("the sidecar's device events answer get_serial_devices and agent.netmon devices")
    func serialDevices() async throws {
        let socket = "/tmp/agent-plugintests-\(getpid())-netmon-serial.sock"
        let sidecar = try FakeNetmonSidecar(path: socket, interfaces: [Self.eth0])
        defer { sidecar.stop() }
        try await TestHost.with { host in
            try host.load(NetmonPlugin.self, config: ["socket": .string(socket), "reconnect_ms": 50])
            let netmon = try #require(host.lookup("agent.netmon"))
            let usb: JSONObject = [
                "path": "/dev/ttyUSB0", "by_id": "/dev/serial/by-id/usb-FTDI_A1-if00-port0", "major": 188, "minor": 0,
                "vendor_id": "0403", "product_id": "6001", "serial": "A1", "subsystem": "tty", "manufacturer": "FTDI", "product": "FT232R",
            ]
            _ = try await host.awaitEffect("the sidecar's greeting in the table") {
                let a = await host.call("get_host_interfaces")
                return (a["interfaces"]?.arrayValue?.isEmpty == false) ? true : nil
            }
            #expect(await host.call("get_serial_devices")["count"] == 0)
            // The contract: BASE_MESSAGE, upstream's defaults added, a mistyped field refused.
            let stamped = await host.call("get_serial_devices", ["correlation_id": 7])
            #expect(stamped["action"] == "get_serial_devices", "\(stamped)")
            #expect(stamped["correlation_id"] == 7)
            let refused = await host.call("get_serial_devices", ["correlation_id": "seven"])
            #expect(refused["status"] == "error", "\(refused)")
            sidecar.broadcast("device_change", ["action": "add", "device": .object(usb)])
            let answer = try await host.awaitEffect("the device in get_serial_devices") {
                let a = await host.call("get_serial_devices")
                return a["count"] == 1 ? a : nil
            }
            #expect(answer["status"] == "success")
            let first = answer["devices"]?.arrayValue?.first?.objectValue
            #expect(first?["device_id"] == "/dev/serial/by-id/usb-FTDI_A1-if00-port0", "\(answer)")
            #expect(first?["vendor_id"] == "0403")
            let listed = try await netmon.invoke("devices", [:])
            #expect(listed.objectValue?["devices"]?.arrayValue?.count == 1)
            sidecar.broadcast("device_change", ["action": "remove", "device": .object(usb)])
            _ = try await host.awaitEffect("the device gone") { await host.call("get_serial_devices")["count"] == 0 ? true : nil }
        }
    }

    @Test("without a sidecar, commands fail with netmon_unavailable instead of hanging")
    func noSidecar() async throws {
        try await TestHost.with { host in
            try host.load(NetmonPlugin.self, config: ["socket": .string("/tmp/agent-plugintests-\(getpid())-absent.sock"), "reconnect_ms": 50])
            let netmon = try #require(host.lookup("agent.netmon"))
            do {
                _ = try await netmon.invoke("command", ["command": "get_dhcp_status"])
                Issue.record("a command without a sidecar succeeded")
            } catch let error as PluginError {
                #expect(error.code == "netmon_unavailable", "\(error)")
            }
        }
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    /// The serial-device side of the real sidecar: its NETLINK_KOBJECT_UEVENT socket receiving
    /// the kernel's uevents, the table built from sysfs under `--sysfs-root`/`--dev-root`, and
    /// the table's events reaching clients.
    @Suite struct Serial {
        static func uevents(_ client: LineClient) throws -> Int {
            try client.send(["command": "get_status", "id": "st"])
            let reply = try #require(client.reply(id: "st"), "no get_status reply: \(client.seen)")
            #expect(reply["uevents"]?.objectValue?["socket"] == true, "\(reply)")
            return Int(reply["uevents"]?.objectValue?["received"]?.numberValue ?? -1)
        }

        @Test("the uevent socket is open for real: a veth pair made in the sidecar's namespace is counted")
        func kernelUevents() async throws { try await DockerLab.blocking { try Self().kernelUeventsBody() } }
        func kernelUeventsBody() throws {
            let lab = try SidecarLab("uev")
            defer { lab.shutdown() }
            let (client, greeting) = try lab.connect()
            #expect(greeting.last?["type"] == "device_discovery")
            let before = try Self.uevents(client)
            #expect(before >= 0, "get_status has no uevents counters")
            // The kernel sends a net device's uevents to the sockets of the device's namespace.
            try lab.netns.ip("link", "add", "uevt0", "type", "veth", "peer", "name", "uevt1")
            var after = before
            let seen = eventually(5) {
                after = (try? Self.uevents(client)) ?? after
                return after >= before + 2  // at least the two links (their queues add more)
            }
            #expect(seen, "uevents before \(before), after \(after); log:\n\(lab.process.log)")
            // Not a tty: no device_change.
            #expect(client.drain(for: 0.3).allSatisfy { $0["type"] != "device_change" })
        }

        @Test("a real tty uevent end to end: the kernel's remove/add for ttyS0 (synthesised through its uevent file) reach clients as device_change")
        func kernelTTYUevents() async throws { try await DockerLab.blocking { try Self().kernelTTYUeventsBody() } }
        func kernelTTYUeventsBody() throws {
            let trigger = "/sys/class/tty/ttyS0/uevent"
            guard access(trigger, W_OK) == 0 else {
                Issue.record("this test needs a ttyS0 with a UART (the lab VMs' console) and a writable \(trigger)")
                return
            }
            // With udevd running, a synthetic remove would make it act on the host's console
            // (its rules, its links): the lab machines have no udev.
            guard access("/run/udev/control", F_OK) != 0 else {
                Issue.record("udevd runs here: this test would make it process a remove of ttyS0; run it on a lab machine without udev")
                return
            }
            let lab = try SidecarLab("ttyS0")
            defer { lab.shutdown() }
            let (client, greeting) = try lab.connect()
            let listed = greeting.last?["data"]?.objectValue?["devices"]?.arrayValue?.compactMap { $0.objectValue?.string("path") } ?? []
            #expect(listed.contains("/dev/ttyS0"), "\(greeting)")
            func write(_ action: String) throws {
                let fd = open(trigger, O_WRONLY)
                guard fd >= 0 else { throw DockerLabError("open \(trigger): errno \(errno)") }
                defer { close(fd) }
                guard Array(action.utf8).withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == action.utf8.count else {
                    throw DockerLabError("write \(action) to \(trigger): errno \(errno)")
                }
            }
            // The kernel emits a uevent of that action for ttyS0; the device itself stays.
            try write("remove")
            #expect(client.received("device_change") { $0["action"] == "remove" && $0["device"]?.objectValue?.string("path") == "/dev/ttyS0" }, "\(client.seen)")
            try write("add")
            #expect(client.received("device_change") { d in
                let dev = d["device"]?.objectValue
                return d["action"] == "add" && dev?.string("path") == "/dev/ttyS0" && dev?["major"] == 4 && dev?["minor"] == 64
            }, "\(client.seen)")
            try client.send(["command": "get_status", "id": "st"])
            let uevents = client.reply(id: "st")?["uevents"]?.objectValue
            #expect((uevents?["tty"]?.numberValue ?? 0) >= 2, "\(String(describing: uevents))")
        }

        @Test("a table from a prepared sysfs and /dev: discovery with USB identity, a rescan sends the new device")
        func preparedRoots() async throws { try await DockerLab.blocking { try Self().preparedRootsBody() } }
        func preparedRootsBody() throws {
            let tree = try SerialDeviceReaderTests.prepared()
            let lab = try SidecarLab("sysfs", arguments: ["--sysfs-root", tree.root + "/sys", "--dev-root", tree.root + "/dev"])
            defer { lab.shutdown() }
            let (client, greeting) = try lab.connect()
            let devices = greeting.last?["data"]?.objectValue?["devices"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(devices.compactMap { $0.string("path") } == ["ttyACM0", "ttyS0", "ttyUSB0"].map { tree.root + "/dev/" + $0 })
            let usb = devices.last ?? [:]
            #expect(usb.string("vendor_id") == "0403")
            #expect(usb.string("serial") == "A1B2C3")
            #expect(usb.string("by_id") == tree.root + "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0")

            tree.file("sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2/tty/ttyACM1/dev", "166:1\n")
            tree.link("sys/class/tty/ttyACM1", to: "../../devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.2/tty/ttyACM1")
            try client.send(["command": "discover_devices", "id": "d1"])
            let reply = client.reply(id: "d1")
            #expect(client.received("device_change") { $0["action"] == "add" && $0["device"]?.objectValue?.string("path") == tree.root + "/dev/ttyACM1" }, "\(client.seen)")
            #expect(reply?["devices"]?.arrayValue?.count == 4)
        }

        @Test("test_add_device / test_remove_device (with --test-devices): device_change to every client, the greeting lists it")
        func injected() async throws { try await DockerLab.blocking { try Self().injectedBody() } }
        func injectedBody() throws {
            let lab = try SidecarLab("inj", arguments: ["--test-devices"])
            defer { lab.shutdown() }
            let (first, _) = try lab.connect()
            let device: JSONValue = ["path": "/dev/pts/9", "major": 136, "minor": 9, "by_id": "/dev/serial/by-id/lab-pty-9"]
            try first.send(["command": "test_add_device", "id": 1, "device": device])
            #expect(first.reply(id: 1)?["success"] == true)
            #expect(first.received("device_change") { $0["action"] == "add" && $0["device"]?.objectValue?.string("by_id") == "/dev/serial/by-id/lab-pty-9" }, "\(first.seen)")
            let (second, greeting) = try lab.connect()
            let listed = greeting.last?["data"]?.objectValue?["devices"]?.arrayValue?.compactMap { $0.objectValue?.string("path") }
            #expect(listed?.contains("/dev/pts/9") == true, "\(greeting)")
            // A rescan keeps an injected device.
            try second.send(["command": "discover_devices", "id": 2])
            #expect(second.reply(id: 2)?["devices"]?.arrayValue?.contains { $0.objectValue?.string("path") == "/dev/pts/9" } == true)
            try second.send(["command": "test_remove_device", "id": 3, "path": "/dev/pts/9"])
            #expect(second.reply(id: 3)?["success"] == true)
            #expect(first.received("device_change") { $0["action"] == "remove" }, "\(first.seen)")
            try second.send(["command": "test_remove_device", "id": 4, "path": "/dev/pts/9"])
            #expect(second.reply(id: 4)?["field"] == "path")
        }

        @Test("without --test-devices the test commands are refused with not_enabled")
        func notEnabled() async throws { try await DockerLab.blocking { try Self().notEnabledBody() } }
        func notEnabledBody() throws {
            let lab = try SidecarLab("noinj")
            defer { lab.shutdown() }
            let (client, _) = try lab.connect()
            try client.send(["command": "test_add_device", "id": 1, "device": ["path": "/dev/pts/9", "major": 136, "minor": 9]])
            #expect(client.reply(id: 1)?["code"] == "not_enabled")
        }
    }
}

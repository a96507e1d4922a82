import AgentJSON
import RuntimeModel
import Testing

@Suite("serial passthrough model")
struct SerialPortTests {
    static let ftdi: JSONObject = [
        "path": "/dev/ttyUSB0", "by_id": "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", "major": 188, "minor": 0,
    ]
    static let acm: JSONObject = ["path": "/dev/ttyACM1", "by_id": .null, "major": 166, "minor": 1]
    static let pty: JSONObject = ["path": "/dev/pts/7", "by_id": "/dev/serial/by-id/lab-pty-1", "major": 136, "minor": 7]

    @Test("device_id matching: bidirectional substring against by_id, else the basename")
    func matching() {
        // The config names part of the by-id link, the whole link, or more than the link.
        #expect(SerialMatch.matches("usb-FTDI_FT232R", Self.ftdi))
        #expect(SerialMatch.matches("/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", Self.ftdi))
        #expect(SerialMatch.matches("prefix/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", Self.ftdi))
        #expect(!SerialMatch.matches("usb-Prolific", Self.ftdi))
        // With a by-id link the basename is not used.
        #expect(!SerialMatch.matches("ttyUSB0", Self.ftdi))
        // Without one: the basename, both ways.
        #expect(SerialMatch.matches("ttyACM1", Self.acm))
        #expect(SerialMatch.matches("ACM", Self.acm))
        #expect(SerialMatch.matches("/dev/ttyACM1", Self.acm))
        #expect(!SerialMatch.matches("ttyACM0", Self.acm))
        #expect(!SerialMatch.matches("", Self.acm))
        #expect(SerialMatch.find("usb-FTDI", in: [Self.acm, Self.ftdi])?["path"] == "/dev/ttyUSB0")
        #expect(SerialMatch.find("nothing", in: [Self.acm, Self.ftdi]) == nil)
    }

    @Test("extra cgroup majors: those of matched devices outside 188/166/4, once each")
    func majors() {
        let configs = [
            SerialConfig(name: "a", deviceID: "lab-pty-1", containerPath: "/dev/ttyS0"),
            SerialConfig(name: "b", deviceID: "usb-FTDI", containerPath: "/dev/ttyS1"),
            SerialConfig(name: "c", deviceID: "pty-1", containerPath: "/dev/ttyS2"),
            SerialConfig(name: "d", deviceID: "absent", containerPath: "/dev/ttyS3"),
        ]
        #expect(SerialMatch.extraMajors(configs, devices: [Self.ftdi, Self.pty]) == [136])
        var plan = try? ContainerPlan(
            spec: DeviceSpec(message: ["container_name": "plc1", "vnic_configs": []]), settings: .init(), lanOf: { _ in nil })
        plan?.serialMajors = [136, 188]
        #expect(plan?.hostConfig["DeviceCgroupRules"] == ["c 188:* rmw", "c 166:* rmw", "c 4:* rmw", "c 136:* rmw"])
        #expect(plan?.hostConfig["CapAdd"] == ["SYS_NICE", "MKNOD"])
    }

    @Test("serial_configs are checked: object, device_id, absolute container_path, no duplicate path")
    func validation() throws {
        let good: JSONValue = ["name": "rs485", "device_id": "usb-FTDI", "container_path": "/dev/ttyS0", "baud_rate": 9600]
        let spec = try DeviceSpec(message: ["container_name": "plc1", "vnic_configs": [], "serial_configs": [good]])
        #expect(SerialConfig.list(spec: spec.json) == [SerialConfig(name: "rs485", deviceID: "usb-FTDI", containerPath: "/dev/ttyS0")])
        let bad: [(JSONValue, String)] = [
            ([5], "serial_configs[0]"),
            ([["name": "a", "device_id": "", "container_path": "/dev/x"]], "serial_configs[0].device_id"),
            ([["name": "a", "device_id": "d", "container_path": "dev/x"]], "serial_configs[0].container_path"),
            ([["name": "a", "device_id": "d", "container_path": "/dev/../etc/passwd"]], "serial_configs[0].container_path"),
            ([["name": "a", "device_id": "d", "container_path": "/"]], "serial_configs[0].container_path"),
            ([good, good], "serial_configs[1].container_path"),
        ]
        for (list, field) in bad {
            do {
                _ = try DeviceSpec(message: ["container_name": "plc1", "vnic_configs": [], "serial_configs": list])
                Issue.record("accepted: \(list)")
            } catch {
                #expect(error.code == "invalid_serial_config", "\(list)")
                #expect(error.field == field, "\(list)")
            }
        }
    }

    @Test("a port state round-trips through the store form; the report has no pid")
    func stateJSON() throws {
        var s = SerialPortState(config: SerialConfig(name: "p", deviceID: "lab-pty", containerPath: "/dev/ttyS0"), status: .connected, updatedAt: "T")
        s.hostPath = "/dev/pts/3"
        s.major = 136
        s.minor = 3
        s.pid = 4242
        #expect(SerialPortState(json: s.json) == s)
        #expect(s.report["pid"] == nil)
        #expect(s.report["current_host_path"] == "/dev/pts/3")
        var e = s
        e.status = .error
        e.error = RuntimeError("device_node_failed", "mounting: EPERM")
        #expect(SerialPortState(json: e.json)?.error?.code == "device_node_failed")
        #expect(SerialPortState(json: ["name": "p"]) == nil)
    }

    @Test("get_device_status serial_ports: the stored state, else disconnected")
    func status() throws {
        let spec = try DeviceSpec(message: [
            "container_name": "plc1", "vnic_configs": [],
            "serial_configs": [
                ["name": "a", "device_id": "lab-pty", "container_path": "/dev/ttyS0"],
                ["name": "b", "device_id": "usb-X", "container_path": "/dev/ttyS1"],
            ],
        ])
        let record = DeviceRecord(deviceID: "plc1", spec: spec.json, fingerprint: spec.fingerprint, vnics: [], createdAt: "T")
        var s = SerialPortState(config: SerialConfig(name: "a", deviceID: "lab-pty", containerPath: "/dev/ttyS0"), status: .connected, updatedAt: "T")
        s.hostPath = "/dev/pts/3"
        let inspect: JSONObject = ["state": ["status": "running", "running": true], "networks": [:]]
        let o = DeviceStatus.compose(
            deviceID: "plc1", inspect: inspect, record: record, lastOperation: nil, now: 0, serialPorts: ["/dev/ttyS0": s])
        let ports = o["serial_ports"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(ports.count == 2)
        #expect(ports.first?["status"] == "connected")
        #expect(ports.first?["current_host_path"] == "/dev/pts/3")
        #expect(ports.last?["status"] == "disconnected")
        #expect(ports.last?["current_host_path"] == nil)
        #expect(ports.last?["name"] == "b")
    }
}

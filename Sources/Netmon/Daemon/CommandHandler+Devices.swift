import AgentJSON
import NetmonCore

extension CommandHandler {
    /// The serial-device commands: `get_device_status` (the table), `discover_devices` (rescan,
    /// then the table), and the test-only `test_add_device` / `test_remove_device`.
    func deviceCommand(_ command: NetmonCommand, ok: (JSONObject) -> Void, fail: (NetmonError) -> Void) {
        guard let serial else {
            ok(["devices": .array([])])
            return
        }
        func list() -> JSONObject { ["devices": .array(serial.devices.map(\.json))] }
        switch command {
        case .discoverDevices:
            serial.rescan()
            ok(list())
        case .testAddDevice(let device):
            guard testDevices else { return fail(Self.notEnabled("test_add_device")) }
            serial.inject(device)
            ok(list())
        case .testRemoveDevice(let path):
            guard testDevices else { return fail(Self.notEnabled("test_remove_device")) }
            guard serial.eject(path: path) else {
                return fail(NetmonError(.invalidField, "No device at \(path)", field: "path"))
            }
            ok(list())
        default:
            ok(list())
        }
    }

    static func notEnabled(_ name: String) -> NetmonError {
        NetmonError(.notEnabled, "\(name) is a test command: start the sidecar with --test-devices to use it", field: "command")
    }
}

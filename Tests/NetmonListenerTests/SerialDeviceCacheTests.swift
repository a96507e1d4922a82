import AgentJSON
import NetmonCache
import Testing

@Suite struct SerialDeviceCacheTests {
    static let usb: JSONObject = [
        "path": "/dev/ttyUSB0", "by_id": "/dev/serial/by-id/usb-FTDI_A1-if00-port0", "major": 188, "minor": 0,
        "vendor_id": "0403", "product_id": "6001", "serial": "A1", "subsystem": "tty", "manufacturer": "FTDI", "product": "FT232R",
    ]
    static let acm: JSONObject = ["path": "/dev/ttyACM0", "by_id": .null, "major": 166, "minor": 0, "subsystem": "tty"]

    @Test("discovery replaces, change add/remove updates, other events and path-less devices change nothing")
    func apply() {
        var c = SerialDeviceCache()
        let r1 = c.apply(type: "device_discovery", data: ["devices": [.object(Self.usb)]])
        #expect(r1)
        let r2 = c.apply(type: "device_discovery", data: ["devices": [.object(Self.usb)]])
        #expect(!r2)
        let r3 = c.apply(type: "device_change", data: ["action": "add", "device": .object(Self.acm)])
        #expect(r3)
        #expect(c.sorted.map { $0["path"] } == ["/dev/ttyACM0", "/dev/ttyUSB0"])
        let r4 = c.apply(type: "device_change", data: ["action": "remove", "device": .object(Self.usb)])
        #expect(r4)
        let r5 = c.apply(type: "device_change", data: ["action": "remove", "device": .object(Self.usb)])
        #expect(!r5)
        let r6 = c.apply(type: "device_change", data: ["action": "add", "device": ["major": 1]])
        #expect(!r6)
        let r7 = c.apply(type: "network_change", data: ["interface": "eth0"])
        #expect(!r7)
        let r8 = c.apply(type: "device_discovery", data: ["devices": []])
        #expect(r8)
        #expect(c.devices.isEmpty)
    }

    @Test("get_serial_devices' answer: upstream's keys, device_id is the by-id path or null, count")
    func report() {
        var c = SerialDeviceCache()
        c.apply(type: "device_discovery", data: ["devices": [.object(Self.usb), .object(Self.acm)]])
        let r = c.report
        #expect(r["status"] == "success")
        #expect(r["count"] == 2)
        let list = r["devices"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(list.map { $0.keys.sorted() } == Array(repeating: ["device_id", "manufacturer", "path", "product", "product_id", "serial", "vendor_id"], count: 2))
        #expect(list.first?["device_id"] == .null)
        #expect(list.last?["device_id"] == "/dev/serial/by-id/usb-FTDI_A1-if00-port0")
        #expect(list.last?["vendor_id"] == "0403")
        #expect(list.first?["vendor_id"] == .null)
        #expect(SerialDeviceCache().report["count"] == 0)
    }
}

import AgentJSON
import NetmonCore
import Testing

@Suite struct DeviceTableTests {
    static let usb0 = SerialDevice(path: "/dev/ttyUSB0", byID: "/dev/serial/by-id/usb-FTDI_FT232R_A1B2-if00-port0", major: 188, minor: 0, vendorID: "0403", productID: "6001")
    static let acm0 = SerialDevice(path: "/dev/ttyACM0", major: 166, minor: 0)

    @Test("add, the same add again, a changed identity, remove, unknown remove")
    func changes() {
        var t = DeviceTable()
        #expect(t.add(Self.usb0) == [.add(Self.usb0)])
        #expect(t.add(Self.usb0) == [])
        var other = Self.usb0
        other.serial = "ZZ"
        #expect(t.add(other) == [.add(other)])
        #expect(t.remove(path: "/dev/ttyUSB0") == [.remove(other)])
        #expect(t.remove(path: "/dev/ttyUSB0") == [])
    }

    @Test("a rescan removes what is gone and adds what is new; injected devices stay")
    func rescan() {
        var t = DeviceTable()
        _ = t.add(Self.usb0)
        let pty = SerialDevice(path: "/dev/pts/3", major: 136, minor: 3, injected: true)
        _ = t.add(pty)
        #expect(t.replaceScanned(with: [Self.acm0]) == [.remove(Self.usb0), .add(Self.acm0)])
        #expect(t.sorted.map(\.path) == ["/dev/pts/3", "/dev/ttyACM0"])
    }

    @Test("events: device_discovery lists the table, device_change carries action and device info")
    func events() {
        func o(_ v: JSONValue?) -> JSONObject { v?.objectValue ?? [:] }
        let d = o(NetmonEvents.deviceDiscovery([Self.usb0], timestamp: "T"))
        #expect(d["type"] == "device_discovery")
        let dev = o(o(d["data"])["devices"]?.arrayValue?.first)
        #expect(dev["path"] == "/dev/ttyUSB0")
        #expect(dev["by_id"] == "/dev/serial/by-id/usb-FTDI_FT232R_A1B2-if00-port0")
        #expect(dev["major"] == 188)
        #expect(dev["vendor_id"] == "0403")
        #expect(dev["serial"] == .null)
        #expect(dev["subsystem"] == "tty")
        let c = o(NetmonEvents.deviceChange(.remove(Self.acm0), timestamp: "T"))
        #expect(c["type"] == "device_change")
        #expect(o(c["data"])["action"] == "remove")
        #expect(o(o(c["data"])["device"])["by_id"] == .null)
        #expect(o(o(NetmonEvents.deviceDiscovery(timestamp: "T"))["data"])["devices"] == .array([]))
    }
}

import NetmonCore
import Testing

@Suite struct UeventTests {
    @Test("recorded kernel datagrams (veth, tun, queues) parse with their header and fields")
    func recorded() throws {
        let add = try #require(Uevent.parse(UeventFixtures.decode(UeventFixtures.vethAdd)))
        #expect(add.action == "add")
        #expect(add.devpath == "/devices/virtual/net/ucapv1")
        #expect(add.subsystem == "net")
        #expect(add.fields["INTERFACE"] == "ucapv1")
        #expect(add.fields["IFINDEX"] == "2")
        #expect(add.fields["SEQNUM"] == "514837")
        #expect(add.deviceName == "ucapv1")
        #expect(add.major == nil)
        let remove = try #require(Uevent.parse(UeventFixtures.decode(UeventFixtures.vethRemove)))
        #expect(remove.action == "remove")
        #expect(remove.fields["INTERFACE"] == "ucapv0")
        #expect(Uevent.parse(UeventFixtures.decode(UeventFixtures.tunAdd))?.fields["INTERFACE"] == "ucaptun0")
        #expect(Uevent.parse(UeventFixtures.decode(UeventFixtures.queueAdd))?.subsystem == "queues")
    }

    @Test("recorded tty uevents (ttyS0, synthesised by the kernel from a write to its uevent file)")
    func recordedTTY() throws {
        for (fixture, action) in [(UeventFixtures.ttyS0Change, "change"), (UeventFixtures.ttyS0Remove, "remove"), (UeventFixtures.ttyS0Add, "add")] {
            let e = try #require(Uevent.parse(UeventFixtures.decode(fixture)))
            #expect(e.action == action)
            #expect(e.devpath == "/devices/pnp0/00:00/00:00:0/00:00:0.0/tty/ttyS0")
            #expect(e.subsystem == "tty")
            #expect(e.deviceName == "ttyS0")
            #expect(e.major == 4 && e.minor == 64)
            #expect(e.fields["SYNTH_UUID"] == "0")
            #expect(SerialDevice.isSerialName(e.deviceName, major: 4, minor: 64))
        }
    }

    @Test("tty uevents in the kernel's format give the name and numbers")
    func tty() throws {
        let usb = try #require(Uevent.parse(UeventFixtures.ttyUSBAdd))
        #expect(usb.subsystem == "tty")
        #expect(usb.deviceName == "ttyUSB0")
        #expect(usb.major == 188)
        #expect(usb.minor == 0)
        #expect(Uevent.parse(UeventFixtures.ttyUSBRemove)?.action == "remove")
        #expect(Uevent.parse(UeventFixtures.ttyACMAdd)?.major == 166)
        #expect(Uevent.parse(UeventFixtures.ttySAdd)?.minor == 64)
    }

    @Test("udevd's format, headerless and contradicting datagrams are refused")
    func refused() {
        #expect(Uevent.parse(Array("libudev".utf8) + [0, 0xfe, 0xed, 0xca, 0xfe]) == nil)
        #expect(Uevent.parse(Array("ACTION=add".utf8) + [0]) == nil)
        #expect(Uevent.parse([UInt8]()) == nil)
        #expect(Uevent.parse(Array("add@relative".utf8) + [0]) == nil)
        #expect(Uevent.parse(Array("add@".utf8) + [0]) == nil)
        let contradicting = Array("add@/devices/x".utf8) + [0] + Array("ACTION=remove".utf8) + [0]
        #expect(Uevent.parse(contradicting) == nil)
    }

    @Test("the serial-name rule: ttyUSB/ttyACM/ttyS with digits; ttyS and major 4 need minor >= 64")
    func serialNames() {
        #expect(SerialDevice.isSerialName("ttyUSB0", major: 188, minor: 0))
        #expect(SerialDevice.isSerialName("ttyACM12", major: 166, minor: 12))
        #expect(SerialDevice.isSerialName("ttyS0", major: 4, minor: 64))
        #expect(!SerialDevice.isSerialName("ttyS0", major: 4, minor: 5))
        #expect(!SerialDevice.isSerialName("tty5", major: 4, minor: 5))
        #expect(!SerialDevice.isSerialName("ttyUSB", major: 188, minor: 0))
        #expect(!SerialDevice.isSerialName("ttyUSB0x", major: 188, minor: 0))
        #expect(!SerialDevice.isSerialName("ttyAMA0", major: 204, minor: 64))
        #expect(!SerialDevice.isSerialName("console", major: 5, minor: 1))
    }
}

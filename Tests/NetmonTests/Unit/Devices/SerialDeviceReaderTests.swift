#if canImport(Glibc)
import Glibc
#endif
import NetmonCore
import Testing

/// The sysfs identity reader on a prepared folder shaped like the kernel's: a USB adapter's tty
/// (class link → the interface → the USB device with idVendor…), an ACM device without a
/// by-id link, a ttyS port without a UART (type 0), one with one (type 4), and a virtual console.
@Suite struct SerialDeviceReaderTests {
    final class Tree {
        let root: String
        init() throws {
            var template = Array("/tmp/netmon-sysfs-XXXXXX".utf8CString)
            guard let p = mkdtemp(&template) else { throw Failure("mkdtemp failed") }
            root = String(cString: p)
        }
        deinit { _ = system("rm -rf '\(root)'") }

        func file(_ rel: String, _ text: String) {
            dir(String(rel[..<rel.lastIndex(of: "/")!]))
            let fd = open(root + "/" + rel, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        func dir(_ rel: String) { _ = system("mkdir -p '\(root)/\(rel)'") }
        func link(_ rel: String, to target: String) {
            dir(String(rel[..<rel.lastIndex(of: "/")!]))
            symlink(target, root + "/" + rel)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    static func prepared() throws -> Tree {
        let t = try Tree()
        let usbDev = "sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
        t.file(usbDev + "/idVendor", "0403\n")
        t.file(usbDev + "/idProduct", "6001\n")
        t.file(usbDev + "/serial", "A1B2C3\n")
        t.file(usbDev + "/manufacturer", "FTDI\n")
        t.file(usbDev + "/product", "FT232R USB UART\n")
        t.file(usbDev + "/1-2:1.0/ttyUSB0/tty/ttyUSB0/dev", "188:0\n")
        t.link("sys/class/tty/ttyUSB0", to: "../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0")
        t.link(usbDev + "/1-2:1.0/ttyUSB0/tty/ttyUSB0/device", to: "../../../ttyUSB0")

        let acm = "sys/devices/pci0000:00/0000:00:14.0/usb1/1-3"
        t.file(acm + "/idVendor", "2341\n")
        t.file(acm + "/idProduct", "0043\n")
        t.file(acm + "/1-3:1.0/tty/ttyACM0/dev", "166:0\n")
        t.link("sys/class/tty/ttyACM0", to: "../../devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/tty/ttyACM0")
        t.link(acm + "/1-3:1.0/tty/ttyACM0/device", to: "../../../1-3:1.0")

        t.file("sys/devices/platform/serial8250/tty/ttyS1/dev", "4:65\n")
        t.file("sys/devices/platform/serial8250/tty/ttyS1/type", "0\n")
        t.link("sys/class/tty/ttyS1", to: "../../devices/platform/serial8250/tty/ttyS1")
        t.file("sys/devices/pnp0/00:00/tty/ttyS0/dev", "4:64\n")
        t.file("sys/devices/pnp0/00:00/tty/ttyS0/type", "4\n")
        t.link("sys/class/tty/ttyS0", to: "../../devices/pnp0/00:00/tty/ttyS0")
        t.file("sys/devices/virtual/tty/tty5/dev", "4:5\n")
        t.link("sys/class/tty/tty5", to: "../../devices/virtual/tty/tty5")

        t.file("dev/ttyUSB0", "")
        t.file("dev/ttyACM0", "")
        t.link("dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", to: "../../ttyUSB0")
        return t
    }

    @Test("a scan finds the USB, ACM and real ttyS ports with their identity and by-id link")
    func scan() throws {
        let t = try Self.prepared()
        let reader = SerialDeviceReader(sysfsRoot: t.root + "/sys", devRoot: t.root + "/dev")
        let found = reader.scan()
        #expect(found.map(\.name) == ["ttyACM0", "ttyS0", "ttyUSB0"])
        let usb = try #require(found.first { $0.name == "ttyUSB0" })
        #expect(usb.path == t.root + "/dev/ttyUSB0")
        #expect(usb.byID == t.root + "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0")
        #expect(usb.major == 188 && usb.minor == 0)
        #expect(usb.vendorID == "0403")
        #expect(usb.productID == "6001")
        #expect(usb.serial == "A1B2C3")
        #expect(usb.manufacturer == "FTDI")
        #expect(usb.product == "FT232R USB UART")
        let acm = try #require(found.first { $0.name == "ttyACM0" })
        #expect(acm.byID == nil)
        #expect(acm.vendorID == "2341")
        #expect(acm.serial == nil)
        let s0 = try #require(found.first { $0.name == "ttyS0" })
        #expect(s0.vendorID == nil && s0.major == 4 && s0.minor == 64)
    }

    @Test("a single device by name; unknown names, traversal and non-ports answer nil")
    func single() throws {
        let t = try Self.prepared()
        let reader = SerialDeviceReader(sysfsRoot: t.root + "/sys", devRoot: t.root + "/dev")
        #expect(reader.device(named: "ttyUSB0")?.vendorID == "0403")
        #expect(reader.device(named: "tty5") == nil)
        #expect(reader.device(named: "ttyS1") == nil)
        #expect(reader.device(named: "../ttyUSB0") == nil)
        #expect(reader.device(named: "ttyUSB9") == nil)
        // Gone from sysfs already (a remove raced the read): the uevent's numbers are used.
        #expect(reader.device(named: "ttyUSB9", major: 188, minor: 9)?.path == t.root + "/dev/ttyUSB9")
    }
}

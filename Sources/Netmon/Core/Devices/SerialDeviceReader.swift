import AgentStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads serial devices from sysfs and /dev under injectable roots (`--sysfs-root`, `--dev-root`;
/// tests point them at prepared folders).
///
/// - numbers: `<sysfs>/class/tty/<name>/dev` (`MAJOR:MINOR`)
/// - identity: from `<sysfs>/class/tty/<name>/device`, resolved, the nearest ancestor holding
///   `idVendor` (the USB device) gives `idVendor`, `idProduct`, `serial`, `manufacturer`,
///   `product`; a device off USB has none
/// - `by_id`: the entry of `<dev>/serial/by-id` whose symlink resolves to `<dev>/<name>`
/// - `ttyS` ports whose `type` is 0 (no UART behind the port: the kernel makes such
///   placeholders) are not serial devices.
public struct SerialDeviceReader: Sendable {
    public let sysfsRoot: String
    public let devRoot: String

    public init(sysfsRoot: String = "/sys", devRoot: String = "/dev") {
        self.sysfsRoot = sysfsRoot
        self.devRoot = devRoot
    }

    /// Every serial device `<sysfs>/class/tty` lists now.
    public func scan() -> [SerialDevice] {
        (Directory.names(sysfsRoot + "/class/tty") ?? []).compactMap { device(named: $0) }
    }

    /// The device `name` (`ttyUSB0`), nil when it is not a serial port or sysfs does not know it.
    /// `major`/`minor` (from a uevent) are used when sysfs has no `dev` file any more.
    public func device(named name: String, major: Int? = nil, minor: Int? = nil) -> SerialDevice? {
        guard Self.isPlainName(name) else { return nil }
        let ttyDir = sysfsRoot + "/class/tty/" + name
        var numbers: (Int, Int)? = nil
        if let dev = Self.text(ttyDir + "/dev") {
            let p = dev.split(separator: ":")
            if p.count == 2, let ma = Int(p[0]), let mi = Int(p[1]) { numbers = (ma, mi) }
        }
        if numbers == nil, let major, let minor { numbers = (major, minor) }
        guard let (ma, mi) = numbers, SerialDevice.isSerialName(name, major: ma, minor: mi) else { return nil }
        if name.hasPrefix("ttyS"), Self.text(ttyDir + "/type") == "0" { return nil }
        var d = SerialDevice(path: devRoot + "/" + name, major: ma, minor: mi)
        if let usb = usbDevice(of: ttyDir) {
            d.vendorID = Self.text(usb + "/idVendor")
            d.productID = Self.text(usb + "/idProduct")
            d.serial = Self.text(usb + "/serial")
            d.manufacturer = Self.text(usb + "/manufacturer")
            d.product = Self.text(usb + "/product")
        }
        d.byID = byID(of: name)
        return d
    }

    /// The USB device directory above the tty's `device` link, nil when there is none.
    func usbDevice(of ttyDir: String) -> String? {
        guard let root = Self.realPath(sysfsRoot), var dir = Self.realPath(ttyDir + "/device") else { return nil }
        while dir.hasPrefix(root + "/") {
            if access(dir + "/idVendor", F_OK) == 0 { return dir }
            guard let slash = dir.lastIndex(of: "/") else { return nil }
            dir = String(dir[..<slash])
        }
        return nil
    }

    /// The `<dev>/serial/by-id` entry that resolves to `<dev>/<name>`.
    func byID(of name: String) -> String? {
        let folder = devRoot + "/serial/by-id"
        let target = Self.realPath(devRoot + "/" + name) ?? (devRoot + "/" + name)
        for entry in (Directory.names(folder) ?? []) {
            let link = folder + "/" + entry
            if let resolved = Self.realPath(link), resolved == target { return link }
            // A dangling or unresolvable link still names its target's last component.
            if Self.realPath(link) == nil, let dest = Self.readLink(link), dest.split(separator: "/").last.map(String.init) == name {
                return link
            }
        }
        return nil
    }

    // MARK: file helpers

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && name != "." && name != ".."
    }

    /// A small sysfs attribute without its trailing newline; nil when it cannot be read or is empty.
    static func text(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return nil }
        var s = String(decoding: buf[0..<n], as: UTF8.self)
        while s.last == "\n" || s.last == " " { s.removeLast() }
        return s.isEmpty ? nil : s
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

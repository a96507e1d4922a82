/// One kernel uevent as the kernel sends it on NETLINK_KOBJECT_UEVENT group 1:
/// `ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0...` (lib/kobject_uevent.c).
///
/// The parser is pure: it takes the datagram's bytes and answers the event or nil. Datagrams in
/// udevd's format (they start with `libudev\0`, sent on group 2, which the sidecar does not join)
/// and anything without an `@` header are refused (nil).
public struct Uevent: Sendable, Equatable {
    /// `add`, `remove`, `change`, `move`, `bind`, `unbind`, `online`, `offline`.
    public var action: String
    /// The kobject path below `/sys` (`/devices/…/tty/ttyUSB0`).
    public var devpath: String
    /// The `KEY=VALUE` pairs after the header, in order (`SUBSYSTEM`, `MAJOR`, `MINOR`,
    /// `DEVNAME`, `SEQNUM`, …). A key given twice keeps its last value.
    public var fields: [String: String]

    public init(action: String, devpath: String, fields: [String: String]) {
        self.action = action
        self.devpath = devpath
        self.fields = fields
    }

    /// `SUBSYSTEM` (`tty`, `net`, …), nil when absent.
    public var subsystem: String? { fields["SUBSYSTEM"] }

    /// `DEVNAME` (relative to /dev, e.g. `ttyUSB0`), else the last component of the devpath.
    public var deviceName: String {
        if let n = fields["DEVNAME"], !n.isEmpty { return n }
        return String(devpath.split(separator: "/").last ?? "")
    }

    /// `MAJOR` / `MINOR` as numbers, nil when absent or not numeric.
    public var major: Int? { fields["MAJOR"].flatMap { Int($0) } }
    public var minor: Int? { fields["MINOR"].flatMap { Int($0) } }

    /// Parses one datagram.
    public static func parse(_ bytes: some Collection<UInt8>) -> Uevent? {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
        guard let header = parts.first, header != "libudev", let at = header.firstIndex(of: "@") else { return nil }
        let action = String(header[..<at])
        let devpath = String(header[header.index(after: at)...])
        guard !action.isEmpty, devpath.hasPrefix("/") else { return nil }
        var fields: [String: String] = [:]
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else { continue }
            fields[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        if let a = fields["ACTION"], a != action { return nil }  // a header that contradicts its body
        return Uevent(action: action, devpath: devpath, fields: fields)
    }
}

import AgentJSON

/// One serial device as the sidecar reports it (spec §7.6): the node, its `/dev/serial/by-id`
/// link, its numbers and, for a USB device, the identity the USB device's sysfs attributes give.
public struct SerialDevice: Sendable, Equatable {
    /// The node (`/dev/ttyUSB0`; under `--dev-root` when one is given).
    public var path: String
    /// The `/dev/serial/by-id/…` symlink that points at the node, nil when none does.
    public var byID: String?
    public var major: Int
    public var minor: Int
    /// USB `idVendor` / `idProduct` (4 hex digits), `serial`, `manufacturer`, `product`; nil
    /// when the device is not on USB or the attribute is absent.
    public var vendorID: String?
    public var productID: String?
    public var serial: String?
    public var manufacturer: String?
    public var product: String?
    /// True for a device put in the table by the test command `test_add_device` (only with
    /// `--test-devices`); a rescan keeps it.
    public var injected: Bool

    public init(
        path: String, byID: String? = nil, major: Int, minor: Int, vendorID: String? = nil, productID: String? = nil,
        serial: String? = nil, manufacturer: String? = nil, product: String? = nil, injected: Bool = false
    ) {
        self.path = path
        self.byID = byID
        self.major = major
        self.minor = minor
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.manufacturer = manufacturer
        self.product = product
        self.injected = injected
    }

    /// The kernel name (`ttyUSB0`): the node's last path component.
    public var name: String { String(path.split(separator: "/").last ?? "") }

    /// Upstream's device info: `{path, by_id, major, minor, vendor_id, product_id, serial,
    /// subsystem: "tty", manufacturer, product}`; absent values are `null`.
    public var json: JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var o = JSONObject()
        o["path"] = .string(path)
        o["by_id"] = opt(byID)
        o["major"] = .number(Double(major))
        o["minor"] = .number(Double(minor))
        o["vendor_id"] = opt(vendorID)
        o["product_id"] = opt(productID)
        o["serial"] = opt(serial)
        o["subsystem"] = "tty"
        o["manufacturer"] = opt(manufacturer)
        o["product"] = opt(product)
        return .object(o)
    }

    /// The kernel names that are serial ports (spec §7.6): `ttyUSB*`, `ttyACM*`, `ttyS*`, each
    /// followed by digits only. Minor numbers below 64 on major 4 are virtual consoles
    /// (`tty0`…`tty63`), never a port; `ttyS` ports start at minor 64.
    public static func isSerialName(_ name: String, major: Int, minor: Int) -> Bool {
        for prefix in ["ttyUSB", "ttyACM", "ttyS"] where name.hasPrefix(prefix) {
            let digits = name.dropFirst(prefix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return false }
            if prefix == "ttyS" || major == 4 { return minor >= 64 }
            return true
        }
        return false
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

import AgentJSON

extension CommandParser {
    /// The test-only device commands (refused with `not_enabled` unless the sidecar was started
    /// with `--test-devices`).
    public static let deviceTestNames = ["test_add_device", "test_remove_device"]

    /// `test_add_device`'s `device`: `{path, major, minor, by_id?, vendor_id?, product_id?,
    /// serial?, manufacturer?, product?}`.
    static func testDevice(_ o: JSONObject) throws(NetmonError) -> SerialDevice {
        guard let d = o["device"]?.objectValue else {
            throw o["device"] == nil ? .missing("device") : .invalid("device", "must be an object")
        }
        func optional(_ key: String) throws(NetmonError) -> String? {
            switch d[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case let other?: throw .invalid("device.\(key)", "must be a string, got \(other.kindName)")
            }
        }
        return SerialDevice(
            path: try devicePath(d, "path", prefix: "device."),
            byID: try optional("by_id"), major: try int(d, "major", 0...4095, default: -1, prefix: "device."),
            minor: try int(d, "minor", 0...1_048_575, default: -1, prefix: "device."), vendorID: try optional("vendor_id"),
            productID: try optional("product_id"), serial: try optional("serial"), manufacturer: try optional("manufacturer"),
            product: try optional("product"), injected: true)
    }

    /// `container_path`: an absolute path inside the container's root, not `/`, without `.` or
    /// `..` components or control characters.
    static func containerPath(_ o: JSONObject) throws(NetmonError) -> String {
        let s = try devicePath(o, "container_path")
        let parts = s.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(".") else { throw .invalid("container_path", "must be an absolute path without '.' or '..'") }
        return s
    }

    /// An absolute path without `..` components or control characters.
    static func devicePath(_ o: JSONObject, _ field: String, prefix: String = "") throws(NetmonError) -> String {
        let name = prefix + field
        guard let s = o[field]?.stringValue else {
            throw o[field] == nil ? .missing(name) : .invalid(name, "must be a string")
        }
        guard s.hasPrefix("/"), s.utf8.count <= 4096, !s.split(separator: "/").contains(".."),
            !s.utf8.contains(where: { $0 < 0x20 })
        else { throw .invalid(name, "must be an absolute path without '..'") }
        return s
    }

    /// A required whole number in `range` (`fallback` -1 means required).
    private static func int(
        _ o: JSONObject, _ field: String, _ range: ClosedRange<Int>, default fallback: Int, prefix: String
    ) throws(NetmonError) -> Int {
        switch o[field] {
        case nil, .null?:
            if fallback < 0 { throw .missing(prefix + field) }
            return fallback
        case .number(let d)? where d == d.rounded() && d >= Double(range.lowerBound) && d <= Double(range.upperBound):
            return Int(d)
        default: throw .invalid(prefix + field, "must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
    }
}

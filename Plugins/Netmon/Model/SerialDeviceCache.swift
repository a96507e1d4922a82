import AgentJSON
import NetmonProtocol

/// The agent's table of the host's serial devices, fed by the sidecar's `device_discovery`
/// (replaces the table: sent on every connect) and `device_change` (`add` replaces the entry of
/// its `path`, `remove` deletes it). Entries are the sidecar's device objects as sent
/// (docs/network-monitor.md, spec §7.6). A value type: the plugin keeps it behind a lock.
public struct SerialDeviceCache: Sendable, Equatable {
    /// Devices by node path.
    public private(set) var devices: [String: JSONObject] = [:]

    public init() {}

    /// The devices sorted by path.
    public var sorted: [JSONObject] { devices.keys.sorted().compactMap { devices[$0] } }

    /// Applies one sidecar event; answers whether the table changed. Other events, and devices
    /// without a string `path`, change nothing.
    @discardableResult
    public mutating func apply(type: String, data: JSONObject) -> Bool {
        switch type {
        case NetmonWire.Event.deviceDiscovery:
            var next: [String: JSONObject] = [:]
            for d in data["devices"]?.arrayValue ?? [] {
                if let o = d.objectValue, let path = o["path"]?.stringValue { next[path] = o }
            }
            defer { devices = next }
            return next != devices
        case NetmonWire.Event.deviceChange:
            guard let d = data["device"]?.objectValue, let path = d["path"]?.stringValue else { return false }
            switch data["action"]?.stringValue {
            case "add":
                defer { devices[path] = d }
                return devices[path] != d
            case "remove":
                return devices.removeValue(forKey: path) != nil
            default:
                return false
            }
        default:
            return false
        }
    }

    /// `get_serial_devices`' answer (spec §2.7): `{"status": "success", "devices": [{path,
    /// device_id (the by-id path or null), vendor_id, product_id, serial, manufacturer,
    /// product}], "count": N}`, sorted by path; absent values are `null`.
    public var report: JSONObject {
        let list: [JSONValue] = sorted.map { d in
            var o = JSONObject()
            o["path"] = d["path"] ?? .null
            o["device_id"] = d["by_id"] ?? .null
            for k in ["vendor_id", "product_id", "serial", "manufacturer", "product"] { o[k] = d[k] ?? .null }
            return .object(o)
        }
        return ["status": "success", "devices": .array(list), "count": .number(Double(list.count))]
    }
}

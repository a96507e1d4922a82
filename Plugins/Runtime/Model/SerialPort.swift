import AgentJSON

/// One `serial_configs` entry of `create_new_runtime` (spec §2.1): `{name, device_id,
/// container_path, baud_rate?}` (baud_rate is accepted and kept in the spec, not applied: the
/// runtime opens the port with its own settings).
public struct SerialConfig: Sendable, Equatable {
    public var name: String
    /// What identifies the host device: a `/dev/serial/by-id` path or part of one, or a kernel
    /// name (`ttyUSB0`); see ``SerialMatch``.
    public var deviceID: String
    /// Where the node appears inside the container (absolute).
    public var containerPath: String

    public init(name: String, deviceID: String, containerPath: String) {
        self.name = name
        self.deviceID = deviceID
        self.containerPath = containerPath
    }

    /// The entries of a stored spec (``DeviceSpec/json``) that have the three strings; others
    /// are skipped (the contract checked their types at create).
    public static func list(spec: JSONObject) -> [SerialConfig] {
        (spec["serial_configs"]?.arrayValue ?? []).compactMap { v in
            guard let o = v.objectValue, let n = o["name"]?.stringValue, let d = o["device_id"]?.stringValue,
                let p = o["container_path"]?.stringValue
            else { return nil }
            return SerialConfig(name: n, deviceID: d, containerPath: p)
        }
    }

    /// Checks the entries of a create request: each an object with a non-empty `device_id`, an
    /// absolute `container_path` without `.`/`..` components, and no two with the same
    /// `container_path`.
    /// - Throws: ``RuntimeError`` `invalid_serial_config` naming the field.
    public static func validate(_ list: [JSONValue]) throws(RuntimeError) {
        var paths = Set<String>()
        for (i, v) in list.enumerated() {
            let f = "serial_configs[\(i)]"
            guard let o = v.objectValue else { throw RuntimeError("invalid_serial_config", "\(f) must be an object", field: f) }
            guard let d = o["device_id"]?.stringValue, !d.isEmpty else {
                throw RuntimeError("invalid_serial_config", "\(f).device_id must be a non-empty string", field: "\(f).device_id")
            }
            let p = o["container_path"]?.stringValue ?? ""
            let parts = p.split(separator: "/")
            guard p.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains("."), p.utf8.count <= 4096,
                !p.utf8.contains(where: { $0 < 0x20 })
            else {
                throw RuntimeError(
                    "invalid_serial_config", "\(f).container_path must be an absolute path without '.' or '..' (e.g. /dev/ttyS0)",
                    field: "\(f).container_path")
            }
            guard paths.insert(p).inserted else {
                throw RuntimeError("invalid_serial_config", "\(p) is used by two serial configs", field: "\(f).container_path")
            }
        }
    }
}

/// Upstream's device matching rule (spec §7.6): a config's `device_id` matches a device whose
/// `by_id` contains it or is contained in it (bidirectional substring); a device without a
/// `by_id` matches when the basename of its `path` contains the `device_id` or is contained in
/// it. An empty `device_id` matches nothing.
public enum SerialMatch {
    public static func matches(_ deviceID: String, _ device: JSONObject) -> Bool {
        guard !deviceID.isEmpty else { return false }
        if let byID = device["by_id"]?.stringValue, !byID.isEmpty {
            return byID.contains(deviceID) || deviceID.contains(byID)
        }
        guard let path = device["path"]?.stringValue, let base = path.split(separator: "/").last.map(String.init),
            !base.isEmpty
        else { return false }
        return base.contains(deviceID) || deviceID.contains(base)
    }

    /// The first device (by path) that `deviceID` matches.
    public static func find(_ deviceID: String, in devices: [JSONObject]) -> JSONObject? {
        devices.sorted { ($0["path"]?.stringValue ?? "") < ($1["path"]?.stringValue ?? "") }.first { matches(deviceID, $0) }
    }

    /// The majors to allow at create besides the standard ones (188 ttyUSB, 166 ttyACM, 4 ttyS):
    /// those of known devices that one of `configs` matches now.
    public static func extraMajors(_ configs: [SerialConfig], devices: [JSONObject]) -> [Int] {
        var out: [Int] = []
        for c in configs {
            guard let d = find(c.deviceID, in: devices), let m = d["major"]?.numberValue, m >= 0, m == m.rounded() else { continue }
            let major = Int(m)
            if !ContainerPlan.standardSerialMajors.contains(major), !out.contains(major) { out.append(major) }
        }
        return out.sorted()
    }
}

/// A serial port's state as reported in `get_device_status` `serial_ports` and kept in the store
/// (`serial/<device>`).
public struct SerialPortState: Sendable, Equatable {
    /// `connected` (the node is in the container), `disconnected` (no matching device; the node
    /// was removed), `error` (the node could not be made: ``error``).
    public enum Status: String, Sendable { case connected, disconnected, error }

    public var config: SerialConfig
    public var status: Status
    /// The host node the container's node is bound to (connected only).
    public var hostPath: String?
    public var major: Int?
    public var minor: Int?
    /// The container PID the node was made for (a restarted container needs it again).
    public var pid: Int?
    public var error: RuntimeError?
    public var updatedAt: String

    public init(config: SerialConfig, status: Status, updatedAt: String) {
        self.config = config
        self.status = status
        self.updatedAt = updatedAt
    }

    /// The `serial_ports` entry: `{name, device_id, container_path, status, current_host_path?,
    /// major?, minor?, code?, error?, updated_at}`.
    public var report: JSONObject {
        var o: JSONObject = [
            "name": .string(config.name), "device_id": .string(config.deviceID), "container_path": .string(config.containerPath),
            "status": .string(status.rawValue),
        ]
        if let hostPath { o["current_host_path"] = .string(hostPath) }
        if let major { o["major"] = .number(Double(major)) }
        if let minor { o["minor"] = .number(Double(minor)) }
        if let error {
            o["code"] = .string(error.code)
            o["error"] = .string(error.message)
        }
        o["updated_at"] = .string(updatedAt)
        return o
    }

    /// The stored form: the report plus the PID.
    public var json: JSONObject {
        var o = report
        if let pid { o["pid"] = .number(Double(pid)) }
        return o
    }

    /// Reads a stored entry; nil when it lacks the config's strings or a known status.
    public init?(json o: JSONObject) {
        guard let n = o["name"]?.stringValue, let d = o["device_id"]?.stringValue, let p = o["container_path"]?.stringValue,
            let s = o["status"]?.stringValue.flatMap(Status.init(rawValue:))
        else { return nil }
        config = SerialConfig(name: n, deviceID: d, containerPath: p)
        status = s
        hostPath = o["current_host_path"]?.stringValue
        major = o["major"]?.numberValue.map { Int($0) }
        minor = o["minor"]?.numberValue.map { Int($0) }
        pid = o["pid"]?.numberValue.map { Int($0) }
        if let code = o["code"]?.stringValue { error = RuntimeError(code, o["error"]?.stringValue ?? "") }
        updatedAt = o["updated_at"]?.stringValue ?? ""
    }
}

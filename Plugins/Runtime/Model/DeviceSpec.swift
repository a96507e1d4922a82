import AgentJSON

/// A `create_new_runtime` request, checked and normalised (spec §2.1): what the vPLC must be.
public struct DeviceSpec: Sendable, Equatable {
    public var deviceID: String
    public var vnics: [VNICSpec]
    /// Serial port mappings as given (``SerialConfig``; checked by ``SerialConfig/validate(_:)``).
    public var serialConfigs: [JSONValue]
    public var runtimeVersion: String
    public var dedicatedInterface: String?

    /// Parses the message (already type-checked by the topic contract).
    /// - Throws: ``RuntimeError`` with a stable code and the field.
    public init(message: JSONObject) throws(RuntimeError) {
        guard let name = message["container_name"]?.stringValue, Naming.isValidDeviceID(name) else {
            throw RuntimeError(
                "invalid_container_name",
                "container_name must start with a letter or digit and hold at most 64 of [A-Za-z0-9_.-]",
                field: "container_name")
        }
        deviceID = name
        let list = message["vnic_configs"]?.arrayValue ?? []
        guard list.count <= 8 else {
            throw RuntimeError("too_many_vnics", "at most 8 vNICs per vPLC", field: "vnic_configs")
        }
        var vnics: [VNICSpec] = []
        var names = Set<String>()
        for (i, v) in list.enumerated() {
            guard let o = v.objectValue else {
                throw RuntimeError("invalid_vnic", "vnic_configs[\(i)] must be an object", field: "vnic_configs[\(i)]")
            }
            let vnic = try VNICSpec(json: o, index: i)
            guard names.insert(vnic.name).inserted else {
                throw RuntimeError(
                    "duplicate_vnic", "vNIC name '\(vnic.name)' is used twice", field: "vnic_configs[\(i)].name")
            }
            vnics.append(vnic)
        }
        self.vnics = vnics
        serialConfigs = message["serial_configs"]?.arrayValue ?? []
        try SerialConfig.validate(serialConfigs)
        let version = message["runtime_version"]?.stringValue ?? ""
        runtimeVersion = version.isEmpty ? "latest" : version
        guard Naming.isValidTag(runtimeVersion) else {
            throw RuntimeError("invalid_runtime_version", "runtime_version must be an image tag", field: "runtime_version")
        }
        dedicatedInterface = message["dedicated_interface"]?.stringValue
        if let d = dedicatedInterface, vnics.contains(where: { $0.parentInterface == d }) {
            throw RuntimeError(
                "dedicated_interface_in_use", "\(d) is also a vNIC parent; a dedicated NIC must be free",
                field: "dedicated_interface")
        }
    }

    /// The canonical JSON form, stored with the device and compared for idempotent creates.
    public var json: JSONObject {
        var o: JSONObject = [
            "container_name": .string(deviceID),
            "vnic_configs": .array(vnics.map { .object($0.json) }),
            "runtime_version": .string(runtimeVersion),
        ]
        if !serialConfigs.isEmpty { o["serial_configs"] = .array(serialConfigs) }
        if let d = dedicatedInterface { o["dedicated_interface"] = .string(d) }
        return o
    }

    /// Restores a spec stored by ``json``.
    public init(stored: JSONObject) throws(RuntimeError) { try self.init(message: stored) }

    /// A stable 64-bit FNV-1a hash of ``json`` in hex (label value and idempotency key).
    public var fingerprint: String { Fingerprint.fnv1a(JSONWriter.bytes(.object(json))) }
}

/// FNV-1a, 64 bit: a short stable digest of canonical JSON (not a security measure).
public enum Fingerprint {
    public static func fnv1a(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

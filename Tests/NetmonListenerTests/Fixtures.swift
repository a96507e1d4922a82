import AgentJSON

/// InterfaceInfo objects as the sidecars send them.
enum Fixtures {
    /// Our sidecar's InterfaceInfo.
    static func info(
        _ name: String, status: String = "up", type: String = "ethernet", virtual: Bool = false,
        mac: String? = "02:00:00:00:00:01", addresses: [(String, Int)] = [], gateway: String? = nil,
        timestamp: String = "2026-11-26T06:30:00.123Z"
    ) -> JSONObject {
        [
            "interface": .string(name), "index": 2, "operstate": status == "up" ? "UP" : "DOWN", "status": .string(status),
            "type": .string(type), "virtual": .bool(virtual), "mac_address": mac.map { .string($0) } ?? .null, "mtu": 1500,
            "ipv4_addresses": .array(addresses.map { address($0.0, $0.1) }),
            "gateway": gateway.map { .string($0) } ?? .null, "timestamp": .string(timestamp),
        ]
    }

    /// The upstream Python sidecar's interface info: no `virtual`, `mac_address`, `status`, `mtu`.
    static func pythonInfo(_ name: String, type: String = "ethernet", addresses: [(String, Int)] = [], gateway: String? = nil)
        -> JSONObject
    {
        [
            "interface": .string(name), "index": 3, "operstate": "UP", "type": .string(type),
            "ipv4_addresses": .array(addresses.map { address($0.0, $0.1) }),
            "gateway": gateway.map { .string($0) } ?? .null, "timestamp": "2026-11-26T06:30:00.123456",
        ]
    }

    /// The upstream sidecar's down/removed stub.
    static func pythonStub(_ name: String, status: String) -> JSONObject {
        ["interface": .string(name), "ipv4_addresses": [], "status": .string(status)]
    }

    /// One `ipv4_addresses` item with its network computed the way the sidecar does.
    static func address(_ a: String, _ prefix: Int) -> JSONValue {
        let parts = a.split(separator: ".").compactMap { UInt32($0) }
        let value = parts.reduce(UInt32(0)) { $0 << 8 | $1 }
        let mask: UInt32 = prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
        let net = value & mask
        let network = [24, 16, 8, 0].map { String((net >> UInt32($0)) & 0xff) }.joined(separator: ".")
        return [
            "address": .string(a), "prefixlen": .number(Double(prefix)), "subnet": .string("\(network)/\(prefix)"),
            "network_address": .string(network),
        ]
    }

    static func discovery(_ infos: [JSONObject]) -> JSONObject {
        ["interfaces": .array(infos.map { .object($0) }), "timestamp": "2026-11-26T06:30:00.123Z"]
    }
}

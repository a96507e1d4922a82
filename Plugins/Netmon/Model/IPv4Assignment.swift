import AgentJSON

/// One IPv4 address of an interface, as the sidecar reports it in `ipv4_addresses`.
///
/// Wire shape (ours and the upstream Python sidecar's):
/// `{"address": "192.168.1.5", "prefixlen": 24, "subnet": "192.168.1.0/24", "network_address": "192.168.1.0"}`.
/// A bare string (`"192.168.1.5"` or `"192.168.1.5/24"`) is accepted too.
public struct IPv4Assignment: Sendable, Equatable {
    /// Dotted quad, e.g. `192.168.1.5`.
    public var address: String
    /// Prefix length, 0…32 (32 when unknown).
    public var prefixLength: Int
    /// The network in CIDR form, e.g. `192.168.1.0/24` (computed when the sidecar omits it).
    public var subnet: String
    /// The network address, e.g. `192.168.1.0`.
    public var networkAddress: String

    /// An address with its network computed from `prefixLength` (given values win when present).
    public init(address: String, prefixLength: Int, subnet: String? = nil, networkAddress: String? = nil) {
        self.address = address
        self.prefixLength = min(max(prefixLength, 0), 32)
        let network = networkAddress ?? Self.network(of: address, prefix: self.prefixLength) ?? address
        self.networkAddress = network
        self.subnet = subnet ?? "\(network)/\(self.prefixLength)"
    }

    /// Reads one `ipv4_addresses` item; nil when it has no usable address.
    public init?(json: JSONValue) {
        switch json {
        case .string(let text):
            let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
            guard let first = parts.first, Self.octets(first) != nil else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) ?? 32 : 32
            self.init(address: first, prefixLength: prefix)
        case .object(let o):
            guard let address = o["address"]?.stringValue, !address.isEmpty else { return nil }
            // Clamped before the conversion: Int(1e300) traps (a fuzz regression case, docs/fuzzing.md).
            let prefix = o["prefixlen"]?.numberValue.map { Int(min(max($0, 0), 32)) } ?? 32
            self.init(
                address: address, prefixLength: prefix, subnet: o["subnet"]?.stringValue,
                networkAddress: o["network_address"]?.stringValue)
        default:
            return nil
        }
    }

    /// The wire object (same keys as the sidecar's).
    public var json: JSONValue {
        [
            "address": .string(address), "prefixlen": .number(Double(prefixLength)), "subnet": .string(subnet),
            "network_address": .string(networkAddress),
        ]
    }

    /// True for 127.0.0.0/8.
    public var isLoopback: Bool { address.hasPrefix("127.") }

    /// The network address of `address/prefix`, nil when `address` is not a dotted quad.
    static func network(of address: String, prefix: Int) -> String? {
        guard let o = octets(address) else { return nil }
        let value = o.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask: UInt32 = prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
        let net = value & mask
        return [24, 16, 8, 0].map { String((net >> UInt32($0)) & 0xff) }.joined(separator: ".")
    }

    /// The four octets of a dotted quad, nil when it is not one.
    static func octets(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, let n = UInt8(p) else { return nil }
            out.append(n)
        }
        return out
    }
}

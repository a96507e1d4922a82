import AgentJSON
import NetmonProtocol

/// What the agent knows about one host interface (one entry of the ``InterfaceCache``).
///
/// Built from the sidecar's InterfaceInfo objects (docs: /tmp/netmon-protocol.md, "InterfaceInfo"),
/// ours or the upstream Python sidecar's. The Python sidecar sends no `virtual`, `mac_address`
/// or `status`: `virtual` is then derived from ``VirtualInterfaces`` and the entry counts as up
/// (it reported only interfaces whose operstate was UP).
public struct InterfaceEntry: Sendable, Equatable {
    /// Whether the link is usable: `up` = administratively up with carrier.
    public enum Status: String, Sendable {
        case up
        case down
    }

    /// Interface name, e.g. `eth0`.
    public var name: String
    public var status: Status
    /// `ethernet` or `wifi`.
    public var type: String
    /// Container plumbing, VPN or tunnel rather than a plant network.
    public var isVirtual: Bool
    /// `aa:bb:cc:dd:ee:ff`, nil when the sidecar did not say (upstream never did).
    public var macAddress: String?
    public var index: Int?
    public var mtu: Int?
    /// The kernel's operstate (`UP`, `DOWN`, `UNKNOWN`, …) when reported.
    public var operstate: String?
    /// IPv4 addresses in the sidecar's order. Empty when down.
    public var addresses: [IPv4Assignment]
    /// IPv4 default gateway whose route leaves through this link, if any.
    public var gateway: String?
    /// The sidecar's timestamp of the report, verbatim.
    public var timestamp: String?

    /// An entry from its parts.
    public init(
        name: String, status: Status = .up, type: String = "ethernet", isVirtual: Bool? = nil, macAddress: String? = nil,
        index: Int? = nil, mtu: Int? = nil, operstate: String? = nil, addresses: [IPv4Assignment] = [],
        gateway: String? = nil, timestamp: String? = nil
    ) {
        self.name = name
        self.status = status
        self.type = type
        self.isVirtual = isVirtual ?? VirtualInterfaces.isVirtual(name)
        self.macAddress = macAddress
        self.index = index
        self.mtu = mtu
        self.operstate = operstate
        self.addresses = addresses
        self.gateway = gateway
        self.timestamp = timestamp
    }

    /// True when ``status`` is up.
    public var isUp: Bool { status == .up }

    /// The first address outside 127.0.0.0/8 (upstream's `ip_address`).
    public var primaryAddress: IPv4Assignment? { addresses.first { !$0.isLoopback } }

    /// Equal apart from the report timestamp (nil equals nil).
    static func same(_ a: InterfaceEntry?, _ b: InterfaceEntry?) -> Bool {
        guard var a, var b else { return a == nil && b == nil }
        a.timestamp = nil
        b.timestamp = nil
        return a == b
    }
}

import AgentJSON
import NetmonProtocol

/// One interface as the protocol describes it (`InterfaceInfo` in docs/network-monitor.md).
/// Equality ignores time: the timestamp is added only when the JSON is written.
public struct InterfaceInfo: Sendable, Equatable {
    /// An IPv4 address with its prefix length.
    public struct Address: Sendable, Equatable {
        public var address: IPv4
        public var prefix: Int

        public init(address: IPv4, prefix: Int) {
            self.address = address
            self.prefix = prefix
        }
    }

    public var name: String
    public var index: Int32
    /// The IF_OPER_* name.
    public var operstate: String
    /// IFF_UP and IFF_LOWER_UP.
    public var isUp: Bool
    /// `wifi` or `ethernet`.
    public var type: String
    /// Container plumbing, VPN, tunnel (``VirtualInterfaces``).
    public var isVirtual: Bool
    public var mac: String?
    public var mtu: Int
    public var addresses: [Address]
    /// The IPv4 default route's gateway through this link.
    public var gateway: IPv4?

    public init(
        name: String, index: Int32, operstate: String, isUp: Bool, type: String, isVirtual: Bool, mac: String?,
        mtu: Int, addresses: [Address], gateway: IPv4?
    ) {
        self.name = name
        self.index = index
        self.operstate = operstate
        self.isUp = isUp
        self.type = type
        self.isVirtual = isVirtual
        self.mac = mac
        self.mtu = mtu
        self.addresses = addresses
        self.gateway = gateway
    }

    /// `up` or `down`.
    public var status: String { isUp ? NetmonWire.Status.up : NetmonWire.Status.down }

    /// The full InterfaceInfo object.
    public func json(timestamp: String) -> JSONValue {
        var o = JSONObject()
        o["interface"] = .string(name)
        o["index"] = .number(Double(index))
        o["operstate"] = .string(operstate)
        o["status"] = .string(status)
        o["type"] = .string(type)
        o["virtual"] = .bool(isVirtual)
        o["mac_address"] = mac.map { .string($0) } ?? .null
        o["mtu"] = .number(Double(mtu))
        o["ipv4_addresses"] = .array(addresses.map(Self.addressJSON))
        o["gateway"] = gateway.map { .string($0.description) } ?? .null
        o["timestamp"] = .string(timestamp)
        return .object(o)
    }

    /// The short form sent for a link that went down or disappeared: no addresses, no gateway.
    public func stub(status: String, timestamp: String) -> JSONValue {
        var o = JSONObject()
        o["interface"] = .string(name)
        o["index"] = .number(Double(index))
        o["status"] = .string(status)
        o["ipv4_addresses"] = .array([])
        o["gateway"] = .null
        if let mac { o["mac_address"] = .string(mac) }
        o["type"] = .string(type)
        o["virtual"] = .bool(isVirtual)
        o["timestamp"] = .string(timestamp)
        return .object(o)
    }

    static func addressJSON(_ a: Address) -> JSONValue {
        let net = a.address.network(prefix: a.prefix)
        return [
            "address": .string(a.address.description), "prefixlen": .number(Double(a.prefix)),
            "subnet": .string("\(net)/\(a.prefix)"), "network_address": .string(net.description),
        ]
    }
}

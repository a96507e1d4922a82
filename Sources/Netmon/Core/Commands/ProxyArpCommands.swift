import AgentJSON

/// `setup_proxy_arp_bridge` (docs/network-monitor.md, "WiFi: proxy-ARP bridges"): a vPLC's
/// address on a WiFi LAN through a veth pair and the host's proxy ARP.
public struct ProxyArpSetup: Sendable, Equatable {
    /// Which bridge: one per container and vNIC (`vnic` is nil when the caller, e.g. upstream's
    /// agent, names none).
    public var key: ProxyArpKey
    public var pid: Int32
    /// The host's WiFi interface.
    public var parent: String
    public var ip: IPv4
    /// Prefix of the vPLC's address inside the container (default 24).
    public var prefix: Int
    /// The LAN gateway: the container's default route (none when nil).
    public var gateway: IPv4?
    /// `veth_host`: the host end an earlier sidecar built for this bridge (the caller's record),
    /// removed first when it is a `veth-*` link.
    public var previousVeth: String?

    public init(
        key: ProxyArpKey, pid: Int32, parent: String, ip: IPv4, prefix: Int = 24, gateway: IPv4? = nil, previousVeth: String? = nil
    ) {
        self.previousVeth = previousVeth
        self.key = key
        self.pid = pid
        self.parent = parent
        self.ip = ip
        self.prefix = prefix
        self.gateway = gateway
    }
}

/// A proxy-ARP bridge's identity: `<container>` or `<container>:<vnic>`.
public struct ProxyArpKey: Sendable, Hashable, CustomStringConvertible {
    public let container: String
    public let vnic: String?

    public init(container: String, vnic: String?) {
        self.container = container
        self.vnic = vnic
    }

    public var description: String { vnic.map { "\(container):\($0)" } ?? container }
}

/// `cleanup_proxy_arp_bridge`: what the caller knows of the bridge (the sidecar's own table wins;
/// these matter after a sidecar restart).
public struct ProxyArpCleanup: Sendable, Equatable {
    public var key: ProxyArpKey
    public var ip: IPv4?
    public var parent: String?
    public var vethHost: String?

    public init(key: ProxyArpKey, ip: IPv4? = nil, parent: String? = nil, vethHost: String? = nil) {
        self.key = key
        self.ip = ip
        self.parent = parent
        self.vethHost = vethHost
    }
}

/// `request_wifi_dhcp`: a DHCP client on the host's WiFi interface for a vPLC, identified to the
/// server by `clientID` (option 61); the bridge is built when the lease arrives.
public struct WifiDhcpRequest: Sendable, Equatable {
    public var key: DhcpKey
    public var parent: String
    public var pid: Int32
    /// Option 61's bytes as text; default `<container>:<vnic>`.
    public var clientID: String

    public init(key: DhcpKey, parent: String, pid: Int32, clientID: String? = nil) {
        self.key = key
        self.parent = parent
        self.pid = pid
        self.clientID = clientID ?? key.description
    }

    /// udhcpc's `-x 0x3d:<hex>` value: the client id's bytes in hex.
    public var clientIDHex: String {
        clientID.utf8.map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined()
    }
}

extension CommandParser {
    static func proxyArpSetup(_ o: JSONObject) throws(NetmonError) -> ProxyArpSetup {
        ProxyArpSetup(
            key: try proxyKey(o), pid: try pid(o, "container_pid"), parent: try ifname(o, "parent_interface"),
            ip: try requiredIPv4(o, "ip_address"), prefix: try prefix(o, "subnet_mask"), gateway: try optionalIPv4(o, "gateway"),
            previousVeth: o["veth_host"] == nil || o["veth_host"] == .null ? nil : try ifname(o, "veth_host"))
    }

    static func proxyArpCleanup(_ o: JSONObject) throws(NetmonError) -> ProxyArpCleanup {
        ProxyArpCleanup(
            key: try proxyKey(o), ip: try optionalIPv4(o, "ip_address"),
            parent: o["parent_interface"] == nil || o["parent_interface"] == .null ? nil : try ifname(o, "parent_interface"),
            vethHost: o["veth_host"] == nil || o["veth_host"] == .null ? nil : try ifname(o, "veth_host"))
    }

    static func wifiDhcp(_ o: JSONObject) throws(NetmonError) -> WifiDhcpRequest {
        let key = DhcpKey(container: try name(o, "container_name"), vnic: try name(o, "vnic_name"))
        var clientID: String? = nil
        if o["client_id"] != nil, o["client_id"] != .null {
            let s = try string(o, "client_id")
            guard s.utf8.count <= 64, s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
                throw .invalid("client_id", "must be 1-64 printable ASCII characters")
            }
            clientID = s
        }
        return WifiDhcpRequest(
            key: key, parent: try ifname(o, "parent_interface"), pid: try pid(o, "container_pid"), clientID: clientID)
    }

    private static func proxyKey(_ o: JSONObject) throws(NetmonError) -> ProxyArpKey {
        let vnic: String? = o["vnic_name"] == nil || o["vnic_name"] == .null ? nil : try name(o, "vnic_name")
        return ProxyArpKey(container: try name(o, "container_name"), vnic: vnic)
    }

    /// A prefix length from a dotted netmask (`255.255.255.0`), a CIDR (`192.168.1.0/24`, `/24`), a
    /// bare prefix (`"24"` or 24); absent or null is 24 (upstream's default). 1–32.
    static func prefix(_ o: JSONObject, _ field: String) throws(NetmonError) -> Int {
        let bad = NetmonError.invalid(field, "must be a netmask like 255.255.255.0, a CIDR or a prefix 1-32")
        switch o[field] {
        case nil, .null?: return 24
        case .number(let d)?:
            guard d == d.rounded(), d >= 1, d <= 32 else { throw bad }
            return Int(d)
        case .string(let s)?:
            if let slash = s.lastIndex(of: "/") {
                guard let p = Int(s[s.index(after: slash)...]), (1...32).contains(p) else { throw bad }
                return p
            }
            if let p = Int(s) {
                guard (1...32).contains(p) else { throw bad }
                return p
            }
            guard let mask = IPv4(s) else { throw bad }
            let ones = mask.value.nonzeroBitCount
            guard ones >= 1, mask.value == (UInt32.max << (32 - ones)) else { throw bad }
            return ones
        default: throw bad
        }
    }
}

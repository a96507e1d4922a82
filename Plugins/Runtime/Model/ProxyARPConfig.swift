import AgentJSON

/// A WiFi vNIC's proxy-ARP bridge as the netmon sidecar built it (`proxy_arp_config`, spec §7.4
/// and §7.7: upstream's `_proxy_arp_config`): the veth pair, the vPLC's address, the gateway
/// and the host's WiFi interface.
public struct ProxyARPConfig: Sendable, Equatable {
    public var vethHost: String
    public var vethContainer: String
    public var ip: String
    public var gateway: String?
    public var parent: String
    /// The address's prefix inside the container (our sidecar reports it; upstream's did not).
    public var prefix: Int?

    public init(vethHost: String, vethContainer: String, ip: String, gateway: String?, parent: String, prefix: Int? = nil) {
        self.vethHost = vethHost
        self.vethContainer = vethContainer
        self.ip = ip
        self.gateway = gateway
        self.parent = parent
        self.prefix = prefix
    }

    /// Reads a `proxy_arp_config` object (ours or the Python agent's); nil without an address, a
    /// parent or a host veth.
    public init?(json o: JSONObject) {
        guard let ip = o["ip_address"]?.stringValue, IPv4(ip) != nil, let parent = o["parent_interface"]?.stringValue, !parent.isEmpty,
            let veth = o["veth_host"]?.stringValue, !veth.isEmpty
        else { return nil }
        self.ip = ip
        self.parent = parent
        vethHost = veth
        vethContainer = o["veth_container"]?.stringValue ?? "eth1"
        gateway = o["gateway"]?.stringValue.flatMap { IPv4($0) != nil ? $0 : nil }
        prefix = o["prefix"]?.numberValue.map { Int($0) }
    }

    public var json: JSONObject {
        var o: JSONObject = [
            "veth_host": .string(vethHost), "veth_container": .string(vethContainer), "ip_address": .string(ip),
            "gateway": gateway.map { .string($0) } ?? .null, "parent_interface": .string(parent),
        ]
        if let prefix { o["prefix"] = .number(Double(prefix)) }
        return o
    }
}

extension Naming {
    /// A WiFi vNIC's pseudo-network in `get_device_status` and its container label (no Docker
    /// network exists): `wifi_<parent>_<vnic>` (spec §2.5).
    public static func wifiNetwork(parent: String, vnic: String) -> String { "wifi_\(parent)_\(vnic)" }

    /// The `method` of a WiFi vNIC in its record (upstream's `_network_method`).
    public static let proxyARPMethod = "proxy_arp"
}

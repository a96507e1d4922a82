import AgentJSON

/// One virtual NIC of a vPLC as the cloud asked for it (spec §2.1 `VNIC`), checked and normalised.
public struct VNICSpec: Sendable, Equatable {
    public enum Mode: String, Sendable { case staticIP = "static", dhcp }

    public var name: String
    public var parentInterface: String
    public var mode: Mode
    /// The static address (prefix stripped), required for `static`.
    public var ip: IPv4?
    /// The LAN subnet when the message gave one (`subnet` as CIDR or netmask, or `ip/prefix`).
    public var subnet: IPv4Network?
    public var gateway: IPv4?
    public var dns: [IPv4]
    /// A MAC the cloud asked for (normalised); nil = generate one.
    public var mac: String?

    /// Parses and checks one `vnic_configs[index]` object. Unknown keys are ignored.
    /// - Throws: ``RuntimeError`` `invalid_vnic` with the field path.
    public init(json: JSONObject, index: Int) throws(RuntimeError) {
        let path = "vnic_configs[\(index)]"
        func text(_ key: String) -> String? { json[key]?.stringValue }
        func fail(_ key: String, _ why: String) -> RuntimeError {
            RuntimeError("invalid_vnic", "\(path).\(key): \(why)", field: "\(path).\(key)")
        }
        guard let name = text("name"), Naming.isValidVNICName(name) else {
            throw fail("name", "must be 1-32 characters of letters, digits, '.', '_' or '-'")
        }
        guard let parent = text("parent_interface"), Naming.isValidInterfaceName(parent) else {
            throw fail("parent_interface", "must be a Linux interface name (1-15 of [A-Za-z0-9_.-])")
        }
        guard let modeText = text("network_mode"), let mode = Mode(rawValue: modeText.lowercased()) else {
            throw fail("network_mode", "must be \"static\" or \"dhcp\"")
        }
        self.name = name
        parentInterface = parent
        self.mode = mode
        dns = []
        var prefixFromIP: Int? = nil
        if let ipText = text("ip"), !ipText.isEmpty {
            let parts = ipText.split(separator: "/", maxSplits: 1).map(String.init)
            guard let ip = IPv4(parts[0]) else { throw fail("ip", "'\(ipText)' is not an IPv4 address") }
            if parts.count == 2 {
                guard let p = Int(parts[1]), (1...30).contains(p) else { throw fail("ip", "prefix must be 1-30") }
                prefixFromIP = p
            }
            self.ip = ip
        }
        if let s = text("subnet"), !s.isEmpty {
            if s.contains("/") {
                guard let net = IPv4Network(cidr: s), (1...30).contains(net.prefix) else {
                    throw fail("subnet", "'\(s)' is not an IPv4 CIDR with prefix 1-30")
                }
                subnet = net
            } else {
                guard let p = IPv4Network.prefix(ofNetmask: s), (1...30).contains(p) else {
                    throw fail("subnet", "'\(s)' is neither a CIDR nor a contiguous netmask")
                }
                prefixFromIP = p  // a netmask needs an address to anchor it (gateway or ip)
            }
        }
        if let g = text("gateway"), !g.isEmpty {
            guard let gw = IPv4(g) else { throw fail("gateway", "'\(g)' is not an IPv4 address") }
            gateway = gw
        }
        if subnet == nil, let p = prefixFromIP, let anchor = gateway ?? ip {
            subnet = IPv4Network(containing: anchor, prefix: p)
        }
        if let list = json["dns"]?.arrayValue {
            for (i, v) in list.enumerated() {
                guard let s = v.stringValue, let a = IPv4(s) else { throw fail("dns[\(i)]", "must be an IPv4 address") }
                dns.append(a)
            }
        }
        if let m = text("mac"), !m.isEmpty {
            guard let n = MACAddress.normalize(m), MACAddress.isUnicast(n) else {
                throw fail("mac", "'\(m)' is not a unicast MAC address (aa:bb:cc:dd:ee:ff)")
            }
            mac = n
        }
        if mode == .staticIP {
            guard let ip else { throw fail("ip", "a static vNIC needs an address") }
            if let subnet {
                guard subnet.contains(ip) else { throw fail("ip", "\(ip) is outside the subnet \(subnet)") }
                let broadcast = IPv4(subnet.base.value | ~subnet.netmask.value)
                guard ip != subnet.base, ip != broadcast else { throw fail("ip", "\(ip) is the network or broadcast address") }
            }
            if let gateway, gateway == ip { throw fail("ip", "\(ip) is the gateway's address") }
        }
        if let subnet, let gateway, !subnet.contains(gateway) {
            throw fail("gateway", "\(gateway) is outside the subnet \(subnet)")
        }
    }

    /// The canonical JSON form (what is stored and compared for idempotency).
    public var json: JSONObject {
        var o: JSONObject = [
            "name": .string(name), "parent_interface": .string(parentInterface), "network_mode": .string(mode.rawValue),
        ]
        if let ip { o["ip"] = .string(ip.description) }
        if let subnet { o["subnet"] = .string(subnet.description) }
        if let gateway { o["gateway"] = .string(gateway.description) }
        if !dns.isEmpty { o["dns"] = .array(dns.map { .string($0.description) }) }
        if let mac { o["mac"] = .string(mac) }
        return o
    }
}

import AgentJSON

/// The last DHCP state of one vNIC as the netmon sidecar reported it (`dhcp_update`, spec §7.4).
public struct DHCPLease: Sendable, Equatable {
    public var device: String
    public var vnic: String
    /// `bound`, `renew`, `deconfig`, `leasefail`, `nak` or `stopped`.
    public var event: String
    public var ip: String?
    public var prefix: Int?
    public var gateway: String?
    public var dns: [String]
    public var leaseSeconds: Int?
    public var error: String?
    public var updatedAt: String
    /// A WiFi vNIC's bridge built for this lease (`proxy_arp_config` of the update).
    public var proxyARP: ProxyARPConfig?

    /// Reads a `dhcp_update` payload (or one `get_dhcp_status` client); nil without a device and
    /// vNIC name. Works with the Python sidecar's shape too (no `event`: an IP means bound).
    public init?(update d: JSONObject, now: String) {
        guard let device = d["container_name"]?.stringValue, let vnic = d["vnic_name"]?.stringValue else { return nil }
        self.device = device
        self.vnic = vnic
        ip = d["ip"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        event = d["event"]?.stringValue ?? (ip == nil ? "deconfig" : "bound")
        if let p = d["prefix"]?.numberValue { prefix = Int(p) } else if let p = d["prefix"]?.stringValue { prefix = Int(p) }
        gateway = d["gateway"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let s = d["dns"]?.stringValue {
            dns = s.split(separator: " ").map(String.init)
        } else {
            dns = (d["dns"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        if let l = d["lease_time"]?.numberValue { leaseSeconds = Int(l) } else if let l = d["lease_time"]?.stringValue { leaseSeconds = Int(l) }
        error = d["error"]?.stringValue
        updatedAt = d["timestamp"]?.stringValue ?? now
        proxyARP = d["proxy_arp_config"]?.objectValue.flatMap(ProxyARPConfig.init(json:))
    }

    /// Whether the vNIC holds this lease now (an address bound and not released since).
    public var isBound: Bool { ip != nil && (event == "bound" || event == "renew") }

    /// The `dhcp` object of a vNIC in `get_device_status`.
    public var json: JSONObject {
        var o: JSONObject = ["state": .string(isBound ? "bound" : event), "updated_at": .string(updatedAt)]
        if isBound, let ip {
            o["ip_address"] = .string(ip)
            o["prefix"] = prefix.map { .number(Double($0)) } ?? .null
            o["gateway"] = gateway.map { .string($0) } ?? .null
            o["dns"] = .array(dns.map { .string($0) })
            if let leaseSeconds { o["lease_seconds"] = .number(Double(leaseSeconds)) }
        }
        if let error { o["error"] = .string(error) }
        return o
    }
}

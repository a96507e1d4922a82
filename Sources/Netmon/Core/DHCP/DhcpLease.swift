import AgentJSON

/// What the udhcpc hook script reported for one event: the lease JSON it also writes to
/// `<state>/dhcp/<container>_<vnic>.lease` (upstream's file name and keys), printed to stdout as
/// one marker line `ORCH_DHCP_LEASE {json}` that the sidecar reads from the client's pipe.
public struct DhcpLease: Sendable, Equatable {
    /// The marker that starts a lease line.
    public static let marker = "ORCH_DHCP_LEASE "

    /// udhcpc's hook event: bound, renew, deconfig, leasefail, nak.
    public var event: String
    /// The interface name inside the container.
    public var interface: String?
    public var ip: IPv4?
    public var prefix: Int?
    /// The first router.
    public var gateway: IPv4?
    /// Space-separated DNS servers (upstream shape).
    public var dns: String?
    public var domain: String?
    /// Lease time in seconds.
    public var leaseTime: Int?
    /// `lease_failed` for leasefail/nak.
    public var error: String?

    public init(
        event: String, interface: String? = nil, ip: IPv4? = nil, prefix: Int? = nil, gateway: IPv4? = nil,
        dns: String? = nil, domain: String? = nil, leaseTime: Int? = nil, error: String? = nil
    ) {
        self.event = event
        self.interface = interface
        self.ip = ip
        self.prefix = prefix
        self.gateway = gateway
        self.dns = dns
        self.domain = domain
        self.leaseTime = leaseTime
        self.error = error
    }

    /// Parses a marker line; nil for any other line (udhcpc's own chatter) or a damaged one.
    public static func parseMarker(_ line: some Collection<UInt8>) -> DhcpLease? {
        let prefix = Array(marker.utf8)
        guard line.count > prefix.count, line.starts(with: prefix) else { return nil }
        // handled: a damaged marker line is nil, as documented (the caller counts it as chatter)
        guard let value = try? JSONParser.parse(line.dropFirst(prefix.count)), let o = value.objectValue else {
            return nil
        }
        return parse(o)
    }

    /// A lease from the lease JSON object (also what the lease file holds).
    public static func parse(_ o: JSONObject) -> DhcpLease? {
        guard let event = o["event"]?.stringValue, !event.isEmpty else { return nil }
        func text(_ key: String) -> String? {
            guard let s = o[key]?.stringValue else { return nil }
            let t = s.trimmingSpaces
            return t.isEmpty ? nil : t
        }
        func int(_ key: String) -> Int? {
            switch o[key] {
            case .number(let d)? where d >= 0 && d == d.rounded() && d < 1e12: return Int(d)
            case .string(let s)?: return Int(s.trimmingSpaces)
            default: return nil
            }
        }
        var lease = DhcpLease(event: event)
        lease.interface = text("interface")
        lease.ip = text("ip").flatMap { IPv4($0) }
        // busybox gives `mask` as a prefix length and `subnet` dotted; upstream files hold either.
        if let p = int("prefix"), (0...32).contains(p) {
            lease.prefix = p
        } else if let m = text("mask"), let p = Int(m), (0...32).contains(p) {
            lease.prefix = p
        } else if let dotted = text("subnet") ?? text("mask"), let m = IPv4(dotted) {
            lease.prefix = m.prefixLength
        }
        lease.gateway = text("router").flatMap { $0.split(separator: " ").first }.flatMap { IPv4($0) }
        lease.dns = text("dns")
        lease.domain = text("domain")
        lease.leaseTime = int("lease")
        lease.error = text("error")
        return lease
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        guard let start = firstIndex(where: { !ws.contains($0) }) else { return "" }
        let end = lastIndex(where: { !ws.contains($0) })!
        return String(self[start...end])
    }
}

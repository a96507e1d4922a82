#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore

/// ARP on the LAN side of a vNIC or a host interface (docs/network-monitor.md, "Address
/// announcements"): gratuitous ARP so neighbours learn an address (and its MAC) at once, and the
/// RFC 5227 probe that tells whether another host holds an address. Blocking (sleeps between
/// announcements, waits for answers): call on a worker thread, never the loop.
enum ArpOps {
    private static let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    private static let zeroMAC: [UInt8] = [0, 0, 0, 0, 0, 0]
    private static let request: UInt16 = 1

    /// What an announcement sent.
    struct Announced {
        /// The vNIC's name inside the container.
        var interface: String
        /// The link's global IPv6 addresses, each advertised with every round (may be empty).
        var ipv6: [String]
    }

    /// Sends `count` gratuitous ARP requests for `ip` (sender = target = `ip`, from the link with
    /// `mac` in `pid`'s namespace), `intervalMs` apart; in each round also an unsolicited
    /// neighbour advertisement (RFC 4861 §7.2.6, override flag) for every global IPv6 address
    /// the link has, so IPv6 neighbours learn the new MAC too.
    static func announce(pid: Int32, mac: String, ip: IPv4, count: Int, intervalMs: Int) throws(NetmonError) -> Announced {
        guard let bytes = MACAddress.parse(mac) else { throw NetmonError(.invalidField, "Invalid mac_address", field: "mac_address") }
        let nl = try NetlinkSocket(inNamespaceOf: pid)
        guard let link = try nl.dumpLinks().first(where: { $0.mac == bytes }) else {
            throw NetmonError(.interfaceNotFound, "No interface with MAC \(mac) in the namespace of \(pid)", field: "mac_address")
        }
        let fd = try open(pid: pid, ifindex: link.index)
        defer { close(fd) }
        let v6 = try NeighbourAdvert(pid: pid, ifindex: link.index)
        defer { v6.close() }
        for n in 0..<count {
            if n > 0 { usleep(useconds_t(intervalMs * 1000)) }
            let r = cnl_arp_send(fd, link.index, request, bytes, ip.value, zeroMAC, ip.value, broadcast)
            guard r == 0 else { throw NetmonError(.netlinkError, "ARP announcement on \(link.name): \(errnoText(r))") }
            try v6.send(from: bytes, on: link.name)
        }
        return Announced(interface: link.name, ipv6: v6.addresses)
    }

    /// What a probe found.
    struct ProbeResult {
        /// The MAC of a host that answered for the address (or probed or announced it), nil when none did.
        var holder: String?
        /// Milliseconds the probe took.
        var milliseconds: Int
    }

    /// RFC 5227 probe for `ip` on host interface `interface`: two ARP probes (sender address
    /// 0.0.0.0) 50 ms apart, then ARP is read until `waitMs` after the first; any ARP packet whose
    /// sender address is `ip` from another MAC means the address is in use.
    static func probe(interface: String, ip: IPv4, waitMs: Int) throws(NetmonError) -> ProbeResult {
        let nl = try NetlinkSocket()
        guard let link = try nl.dumpLinks().first(where: { $0.name == interface }), link.mac.count == 6 else {
            throw NetmonError(.interfaceNotFound, "No interface \(interface) with a MAC address on the host", field: "interface")
        }
        let fd = try open(pid: 0, ifindex: link.index)
        defer { close(fd) }
        let start = Clock.monotonicMs()
        var sent = 0
        while true {
            let elapsed = Int(Clock.monotonicMs() - start)
            if sent < 2, elapsed >= sent * 50 {
                let r = cnl_arp_send(fd, link.index, request, link.mac, 0, zeroMAC, ip.value, broadcast)
                guard r == 0 else { throw NetmonError(.netlinkError, "ARP probe on \(interface): \(errnoText(r))") }
                sent += 1
            }
            let left = waitMs - Int(Clock.monotonicMs() - start)
            if left <= 0 { return ProbeResult(holder: nil, milliseconds: Int(Clock.monotonicMs() - start)) }
            var op: UInt16 = 0
            var sha = [UInt8](repeating: 0, count: 6)
            var spa: UInt32 = 0
            var tpa: UInt32 = 0
            let r = cnl_arp_recv(fd, Int32(min(left, sent < 2 ? 50 : left)), &op, &sha, &spa, &tpa)
            if r < 0 { throw NetmonError(.netlinkError, "ARP probe on \(interface): \(errnoText(r))") }
            if r == 1, spa == ip.value, sha != link.mac {
                return ProbeResult(holder: MACAddress.format(sha), milliseconds: Int(Clock.monotonicMs() - start))
            }
        }
    }

    private static func open(pid: Int32, ifindex: Int32) throws(NetmonError) -> Int32 {
        let fd = cnl_arp_open(pid, ifindex)
        if fd == -ESRCH { throw NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid") }
        guard fd >= 0 else { throw NetmonError(.netlinkError, "ARP socket: \(errnoText(fd))") }
        return fd
    }
}

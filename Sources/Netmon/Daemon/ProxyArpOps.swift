#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import CNetlink
import NetmonCore

/// One proxy-ARP bridge as built: what `proxy_arp_config` reports and what a cleanup removes.
struct ProxyArpBridge: Sendable, Equatable {
    let key: ProxyArpKey
    let pid: Int32
    let vethHost: String
    let vethContainer: String
    let ip: IPv4
    let prefix: Int
    let gateway: IPv4?
    let parent: String

    /// Upstream's `proxy_arp_config` (plus `prefix` and `vnic_name`).
    var json: JSONObject {
        var o: JSONObject = [
            "veth_host": .string(vethHost), "veth_container": .string(vethContainer), "ip_address": .string(ip.description),
            "gateway": gateway.map { .string($0.description) } ?? .null, "parent_interface": .string(parent),
            "prefix": .number(Double(prefix)),
        ]
        if let vnic = key.vnic { o["vnic_name"] = .string(vnic) }
        return o
    }
}

/// The kernel work of a proxy-ARP bridge (docs/network-monitor.md, "WiFi: proxy-ARP bridges"),
/// by netlink and /proc/sys in the sidecar's own namespace and, for the container's end, inside
/// the container's. Blocking: call on a worker thread, never the loop.
enum ProxyArpOps {
    /// Builds the bridge: veth pair (host end the first of `vethNames` the kernel does not have, the other end born in the container's
    /// namespace and renamed to the first free `wifi<N>`), the vPLC's address and default route
    /// inside, proxy_arp and forwarding on the host, a /32 route to the vPLC through the veth and
    /// a proxy neighbour entry on the WiFi parent; FORWARD accept rules when iptables is there
    /// (failures only logged); one gratuitous ARP on the parent. Any failure removes what was made.
    static func build(_ s: ProxyArpSetup, vethNames: [String], iptables: String?) throws(NetmonError) -> ProxyArpBridge {
        let here = try NetlinkSocket()
        let links = try here.dumpLinks()
        guard let parent = links.first(where: { $0.name == s.parent }) else {
            throw NetmonError(.interfaceNotFound, "No interface \(s.parent) on the host", field: "parent_interface")
        }
        guard let vethHost = vethNames.first(where: { n in !links.contains { $0.name == n } }) else {
            throw NetmonError(.netlinkError, "no free name for the host end of the bridge (tried \(vethNames))")
        }
        let inside = try NetlinkSocket(inNamespaceOf: s.pid)
        let taken = Set(try inside.dumpLinks().map(\.name))
        guard let containerName = (0..<100).map({ "wifi\($0)" }).first(where: { !taken.contains($0) }) else {
            throw NetmonError(.netlinkError, "no free wifi<N> name in the namespace of \(s.pid)")
        }
        let temporary = "nmt" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try here.createVeth(vethHost, peer: temporary, peerPid: s.pid)
        do throws(NetmonError) {
            guard let peer = try inside.dumpLinks().first(where: { $0.name == temporary }) else {
                throw NetmonError(.netlinkError, "the veth end did not appear in the namespace of \(s.pid)")
            }
            try inside.renameLink(index: peer.index, to: containerName)
            try inside.addAddress(index: peer.index, s.ip, prefix: s.prefix)
            try inside.setLink(index: peer.index, up: true)
            if let gw = s.gateway { try inside.route(add: true, to: IPv4(0), prefix: 0, via: gw, oif: peer.index) }
            guard let host = try here.dumpLinks().first(where: { $0.name == vethHost }) else {
                throw NetmonError(.netlinkError, "\(vethHost) vanished while it was being set up")
            }
            try here.setLink(index: host.index, up: true)
            try writeSysctl("net/ipv4/conf/\(vethHost)/proxy_arp", "1")
            try writeSysctl("net/ipv4/conf/\(s.parent)/proxy_arp", "1")
            try writeSysctl("net/ipv4/ip_forward", "1")
            try here.route(add: true, to: s.ip, prefix: 32, via: nil, oif: host.index)
            try here.proxyNeighbour(add: true, s.ip, index: parent.index)
        } catch {
            removeHostSide(vethHost: vethHost, ip: s.ip, parent: s.parent, iptables: iptables)
            throw error
        }
        if let iptables { forwardRules(add: true, vethHost: vethHost, parent: s.parent, iptables: iptables) }
        announce(s.ip, on: parent)
        return ProxyArpBridge(
            key: s.key, pid: s.pid, vethHost: vethHost, vethContainer: containerName, ip: s.ip, prefix: s.prefix, gateway: s.gateway,
            parent: s.parent)
    }

    /// Removes the host side of a bridge: the veth (its container end and the /32 route go with
    /// it), the proxy neighbour entry, the FORWARD rules. Each part is best effort (one already
    /// gone is not an error). Returns whether a veth was deleted.
    @discardableResult
    static func removeHostSide(vethHost: String?, ip: IPv4?, parent: String?, iptables: String?) -> Bool {
        var removed = false
        do throws(NetmonError) {
            let here = try NetlinkSocket()
            let links = try here.dumpLinks()
            if let vethHost, let link = links.first(where: { $0.name == vethHost }) {
                try here.deleteLink(index: link.index)
                removed = true
            }
            if let ip, let parent, let p = links.first(where: { $0.name == parent }) {
                do throws(NetmonError) { try here.proxyNeighbour(add: false, ip, index: p.index) } catch {
                    Log.debug("proxy neighbour \(ip) on \(parent): \(error.message)")  // none there: nothing to remove
                }
            }
        } catch {
            Log.warning("proxy-ARP cleanup of \(vethHost ?? "?"): \(error.message)")
        }
        if let iptables, let vethHost, let parent { forwardRules(add: false, vethHost: vethHost, parent: parent, iptables: iptables) }
        return removed
    }

    /// Every link of kind veth called `veth-*` in the sidecar's namespace (bridges of this or an
    /// earlier sidecar; Docker's own veths have no dash).
    static func leftoverVeths() throws(NetmonError) -> [String] {
        try NetlinkSocket().dumpLinks().filter { $0.kind == "veth" && $0.name.hasPrefix("veth-") }.map(\.name)
    }

    /// Writes `value` to `/proc/sys/<path>` (the sidecar's own namespace).
    static func writeSysctl(_ path: String, _ value: String) throws(NetmonError) {
        let full = "/proc/sys/" + path
        let fd = open(full, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetmonError(.sysctlFailed, "cannot open \(full): \(errnoText(errno))") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw NetmonError(.sysctlFailed, "cannot write \(full): \(errnoText(errno))") }
    }

    /// `iptables -I|-D FORWARD -i veth -o parent -j ACCEPT` and the reverse; failures are logged
    /// (a host without iptables, or with a FORWARD policy of ACCEPT, needs none).
    private static func forwardRules(add: Bool, vethHost: String, parent: String, iptables: String) {
        for (i, o) in [(vethHost, parent), (parent, vethHost)] {
            let argv = [iptables, add ? "-I" : "-D", "FORWARD", "-i", i, "-o", o, "-j", "ACCEPT"]
            let status = runToEnd(argv)
            if status != 0 && add { Log.warning("\(argv.joined(separator: " ")) exited with \(status); forwarding may be filtered") }
        }
    }

    /// Runs a short command to its end (on this worker thread); its exit status, -1 when it
    /// could not run.
    private static func runToEnd(_ argv: [String]) -> Int32 {
        let child: Spawner.Child
        do { child = try Spawner.spawn(path: argv[0], argv: argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]) } catch {
            Log.warning("\(argv[0]): \(error)")
            return -1
        }
        close(child.output)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    /// One gratuitous ARP for `ip` from the WiFi parent's own MAC (best effort): LAN hosts that
    /// knew the address under another MAC learn the host's at once.
    private static func announce(_ ip: IPv4, on parent: LinkRecord) {
        guard parent.mac.count == 6 else { return }
        let fd = cnl_arp_open(0, parent.index)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let broadcast: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        let r = cnl_arp_send(fd, parent.index, 1, parent.mac, ip.value, [0, 0, 0, 0, 0, 0], ip.value, broadcast)
        if r != 0 { Log.debug("gratuitous ARP for \(ip) on \(parent.name): \(errnoText(r))") }
    }
}

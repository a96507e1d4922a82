#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore

/// Link operations inside a container's network namespace, by netlink (no `ip` subprocess).
/// They may block (kernel acks, RTNL contention): call them on a worker thread, never the loop.
enum NetnsOps {
    /// Whether process `pid` exists.
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// The name of the link with hardware address `mac` in `pid`'s namespace, if there is one.
    static func findLink(pid: Int32, mac: String) throws(NetmonError) -> String? {
        let nl = try NetlinkSocket(inNamespaceOf: pid)
        return try nl.dumpLinks().first { MACAddress.format($0.mac) == mac }?.name
    }

    /// Sets the MAC of the link that has `currentMac` in `pid`'s namespace, leaving it up (its
    /// addresses and routes stay). Returns the interface name. Idempotent: when no link has
    /// `currentMac` but one has `newMac` already (an earlier call did it; the engine still
    /// reports the MAC it made), that link's name is returned and nothing changes.
    static func setLinkMac(pid: Int32, currentMac: String, newMac: String) throws(NetmonError) -> String {
        let nl = try NetlinkSocket(inNamespaceOf: pid)
        guard let bytes = MACAddress.parse(newMac) else { throw NetmonError(.invalidField, "Invalid mac_address", field: "mac_address") }
        let links = try nl.dumpLinks()
        guard let link = links.first(where: { MACAddress.format($0.mac) == currentMac }) else {
            if let done = links.first(where: { $0.mac == bytes }) { return done.name }
            throw NetmonError(.interfaceNotFound, "No interface with MAC \(currentMac) in the namespace of \(pid)", field: "current_mac")
        }
        try nl.setLink(index: link.index, mac: bytes)
        return link.name
    }

    /// Moves host interface `name` (in the sidecar's namespace) into `pid`'s namespace and sets it up there.
    static func moveToContainer(_ name: String, pid: Int32) throws(NetmonError) {
        let inside = try NetlinkSocket(inNamespaceOf: pid)  // no_such_process before touching the NIC
        let here = try NetlinkSocket()
        guard let link = try here.dumpLinks().first(where: { $0.name == name }) else {
            throw NetmonError(.interfaceNotFound, "No interface \(name) on the host", field: "host_interface")
        }
        try here.setLink(index: link.index, namespacePid: pid)
        guard let moved = try inside.dumpLinks().first(where: { $0.name == name }) else {
            throw NetmonError(.netlinkError, "\(name) did not appear in the namespace of \(pid)")
        }
        try inside.setLink(index: moved.index, up: true)
    }

    /// Moves interface `name` from `pid`'s namespace back to the sidecar's and sets it up.
    static func returnToHost(_ name: String, pid: Int32) throws(NetmonError) {
        let inside = try NetlinkSocket(inNamespaceOf: pid)
        guard let link = try inside.dumpLinks().first(where: { $0.name == name }) else {
            throw NetmonError(.interfaceNotFound, "No interface \(name) in the namespace of \(pid)", field: "host_interface")
        }
        let own = cnl_open_own_netns()
        guard own >= 0 else { throw NetmonError(.netlinkError, "own network namespace: \(errnoText(own))") }
        defer { close(own) }
        try inside.setLink(index: link.index, namespaceFd: own)
        let here = try NetlinkSocket()
        guard let back = try here.dumpLinks().first(where: { $0.name == name }) else {
            throw NetmonError(.netlinkError, "\(name) did not appear on the host")
        }
        try here.setLink(index: back.index, up: true)
    }

    /// Whether `pid`'s namespace has an interface called `name`.
    static func isPresent(_ name: String, pid: Int32) throws(NetmonError) -> Bool {
        let inside = try NetlinkSocket(inNamespaceOf: pid)
        return try inside.dumpLinks().contains { $0.name == name }
    }
}

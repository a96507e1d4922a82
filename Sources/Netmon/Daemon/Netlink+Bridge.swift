#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore

/// The requests a proxy-ARP bridge is built from (CNetlink route.c), each with its ack.
extension NetlinkSocket {
    private func check(_ rc: Int32, _ what: String) throws(NetmonError) {
        guard rc == 0 else { throw NetmonError(.netlinkError, "\(what): \(errnoText(rc))") }
    }

    /// A veth pair `name` ↔ `peer`, the peer born in the namespace of `peerPid` (0: this socket's).
    func createVeth(_ name: String, peer: String, peerPid: Int32) throws(NetmonError) {
        try check(cnl_veth_create(fd, nextSeq(), name, peer, peerPid, 3000), "create veth \(name)")
    }

    /// Deletes link `index`.
    func deleteLink(index: Int32) throws(NetmonError) {
        try check(cnl_del_link(fd, nextSeq(), index, 3000), "delete link \(index)")
    }

    /// Renames link `index` (down) to `name`.
    func renameLink(index: Int32, to name: String) throws(NetmonError) {
        try check(cnl_rename_link(fd, nextSeq(), index, name, 3000), "rename link \(index) to \(name)")
    }

    /// Adds `address/prefix` to link `index`.
    func addAddress(index: Int32, _ address: IPv4, prefix: Int) throws(NetmonError) {
        try check(cnl_addr_add(fd, nextSeq(), index, address.value, Int32(prefix), 3000), "add \(address)/\(prefix)")
    }

    /// Adds (or replaces) or deletes a main-table route.
    func route(add: Bool, to dst: IPv4, prefix: Int, via gateway: IPv4?, oif: Int32) throws(NetmonError) {
        try check(
            cnl_route(fd, nextSeq(), add ? 1 : 0, dst.value, Int32(prefix), gateway?.value ?? 0, oif, 3000),
            "\(add ? "add" : "delete") route \(dst)/\(prefix)")
    }

    /// Adds (or replaces) or deletes the proxy neighbour entry for `address` on link `index`.
    func proxyNeighbour(add: Bool, _ address: IPv4, index: Int32) throws(NetmonError) {
        try check(cnl_proxy_neigh(fd, nextSeq(), add ? 1 : 0, address.value, index, 3000), "\(add ? "add" : "delete") proxy neighbour \(address)")
    }
}

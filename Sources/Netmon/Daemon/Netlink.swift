#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore

/// A NETLINK_ROUTE socket (CNetlink underneath): dumps, events, link changes.
///
/// Not thread-safe: one owner at a time (the loop's event and query sockets; a worker's socket
/// opened inside a container's namespace).
final class NetlinkSocket {
    let fd: Int32
    private var seq: UInt32

    /// A socket in the calling thread's namespace; `groups` subscribes to events.
    init(groups: UInt32 = 0, receiveBuffer: Int32 = 0, nonblocking: Bool = false) throws(NetmonError) {
        let fd = cnl_open(groups, receiveBuffer, nonblocking ? 1 : 0)
        guard fd >= 0 else { throw NetmonError(.netlinkError, "netlink socket: \(errnoText(fd))") }
        self.fd = fd
        seq = UInt32(truncatingIfNeeded: Clock.monotonicMs())
    }

    /// A socket inside the network namespace of process `pid`.
    init(inNamespaceOf pid: Int32) throws(NetmonError) {
        let fd = cnl_open_in_netns(pid, 0, 0, 0)
        if fd == -ESRCH || fd == -ENOENT { throw NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid") }
        guard fd >= 0 else {
            throw NetmonError(.netlinkError, "cannot open the network namespace of \(pid): \(errnoText(fd))")
        }
        self.fd = fd
        seq = UInt32(truncatingIfNeeded: Clock.monotonicMs())
    }

    deinit { close(fd) }

    func nextSeq() -> UInt32 {
        seq &+= 1
        return seq
    }

    // MARK: dumps

    /// Dumps links, IPv4 addresses or IPv4 routes (`CNL_DUMP_*`) and waits for the end.
    func dump(_ what: Int32, timeoutMs: Int32 = 3000) throws(NetmonError) -> [NetlinkEvent] {
        let s = nextSeq()
        let rc = cnl_send_dump(fd, what, s)
        guard rc == 0 else { throw NetmonError(.netlinkError, "netlink dump request: \(errnoText(rc))") }
        var out: [NetlinkEvent] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var msgs = [cnl_msg](repeating: cnl_msg(), count: 32)
        while true {
            let ready = cnl_wait_readable(fd, timeoutMs)
            guard ready > 0 else { throw NetmonError(.netlinkError, "netlink dump: no answer from the kernel") }
            let n = buffer.withUnsafeMutableBytes { cnl_recv(fd, $0.baseAddress, $0.count, 1) }
            if n == -Int(EAGAIN) || n == -Int(EINTR) { continue }
            guard n >= 0 else { throw NetmonError(.netlinkError, "netlink dump: \(errnoText(Int32(n)))") }
            var offset = 0
            while true {
                let count = buffer.withUnsafeBytes { raw in
                    msgs.withUnsafeMutableBufferPointer { m in cnl_parse(raw.baseAddress, n, &offset, m.baseAddress, 32) }
                }
                if count == 0 { break }
                for i in 0..<Int(count) {
                    let m = msgs[i]
                    if m.seq != s { continue }
                    if m.kind == UInt8(CNL_KIND_DONE.rawValue) { return out }
                    if m.kind == UInt8(CNL_KIND_ERROR.rawValue) {
                        if m.error == 0 { continue }
                        throw NetmonError(.netlinkError, "netlink dump: \(errnoText(m.error))")
                    }
                    if let e = NetlinkSocket.event(m) { out.append(e) }
                }
            }
        }
    }

    /// The full table: links, IPv4 addresses, IPv4 routes.
    func dumpTable() throws(NetmonError) -> InterfaceTable {
        var links: [LinkRecord] = []
        var addrs: [AddressRecord] = []
        var routes: [RouteRecord] = []
        for e in try dump(Int32(CNL_DUMP_LINKS.rawValue)) { if case .newLink(let l) = e { links.append(l) } }
        for e in try dump(Int32(CNL_DUMP_ADDRS.rawValue)) { if case .newAddress(let a) = e { addrs.append(a) } }
        for e in try dump(Int32(CNL_DUMP_ROUTES.rawValue)) { if case .newRoute(let r, _) = e { routes.append(r) } }
        return InterfaceTable(links: links, addresses: addrs, routes: routes)
    }

    /// Just the links.
    func dumpLinks() throws(NetmonError) -> [LinkRecord] {
        try dump(Int32(CNL_DUMP_LINKS.rawValue)).compactMap { e in
            if case .newLink(let l) = e { return l }
            return nil
        }
    }

    // MARK: link changes

    /// One RTM_NEWLINK with an ack: new MAC, move to a namespace (by fd or pid), up/down.
    func setLink(
        index: Int32, mac: [UInt8]? = nil, namespaceFd: Int32 = -1, namespacePid: Int32 = 0, up: Bool? = nil
    ) throws(NetmonError) {
        let upArg: Int32 = up.map { $0 ? 1 : 0 } ?? -1
        let s = nextSeq()
        let rc: Int32
        if let mac {
            rc = mac.withUnsafeBufferPointer { b in
                cnl_set_link(fd, s, index, b.baseAddress, Int32(b.count), namespaceFd, namespacePid, upArg, 3000)
            }
        } else {
            rc = cnl_set_link(fd, s, index, nil, 0, namespaceFd, namespacePid, upArg, 3000)
        }
        guard rc == 0 else { throw NetmonError(.netlinkError, "netlink: \(errnoText(rc))") }
    }

    // MARK: events

    /// Reads every message queued on a nonblocking event socket into `handle`.
    /// - Returns: false when the kernel reported ENOBUFS (events were lost: resync).
    func drainEvents(into buffer: inout [UInt8], _ handle: (NetlinkEvent) -> Void) -> Bool {
        var overflow = false
        var msgs = [cnl_msg](repeating: cnl_msg(), count: 32)
        while true {
            let n = buffer.withUnsafeMutableBytes { cnl_recv(fd, $0.baseAddress, $0.count, 1) }
            if n == -Int(ENOBUFS) {
                overflow = true
                continue
            }
            if n < 0 {
                if n != -Int(EAGAIN) && n != -Int(EINTR) { Log.warning("netlink recv: \(errnoText(Int32(n)))") }
                if n == -Int(EINTR) { continue }
                return !overflow
            }
            var offset = 0
            while true {
                let count = buffer.withUnsafeBytes { raw in
                    msgs.withUnsafeMutableBufferPointer { m in cnl_parse(raw.baseAddress, n, &offset, m.baseAddress, 32) }
                }
                if count == 0 { break }
                for i in 0..<Int(count) {
                    if let e = NetlinkSocket.event(msgs[i]) { handle(e) }
                }
            }
        }
    }

    // MARK: decoding

    /// The model event of a parsed message (nil for anything the table does not track).
    static func event(_ m: cnl_msg) -> NetlinkEvent? {
        switch Int32(m.kind) {
        case Int32(CNL_KIND_LINK.rawValue):
            if m.is_new == 0 { return .delLink(index: m.index) }
            let mac = withUnsafeBytes(of: m.mac) { Array($0.prefix(Int(m.mac_len))) }
            return .newLink(
                LinkRecord(
                    index: m.index, name: cString(m.name), flags: m.flags, operstate: m.operstate, mac: mac, mtu: m.mtu,
                    kind: cString(m.link_kind)))
        case Int32(CNL_KIND_ADDR.rawValue):
            guard m.has_address != 0 else { return nil }
            let a = AddressRecord(index: m.index, address: IPv4(bytes: m.address), prefix: Int(m.prefixlen))
            return m.is_new != 0 ? .newAddress(a) : .delAddress(a)
        case Int32(CNL_KIND_ROUTE.rawValue):
            let r = RouteRecord(
                table: m.table, dstLength: Int(m.dst_len), type: m.route_type, oif: m.oif,
                gateway: m.has_gateway != 0 ? IPv4(bytes: m.gateway) : nil, metric: m.priority)
            return m.is_new != 0 ? .newRoute(r, replace: m.nl_flags & 0x100 != 0) : .delRoute(r)
        default:
            return nil
        }
    }

    private static func cString<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

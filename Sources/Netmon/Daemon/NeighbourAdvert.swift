#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore

/// Unsolicited IPv6 neighbour advertisements for one link's global addresses (the IPv6 twin of
/// a gratuitous ARP, docs/network-monitor.md "Address announcements"). Blocking: worker threads only.
struct NeighbourAdvert {
    private let fd: Int32
    private let ifindex: Int32
    private let targets: [[UInt8]]

    /// The link's global IPv6 addresses, as text.
    let addresses: [String]

    /// Lists link `ifindex`'s global IPv6 addresses in `pid`'s namespace and, when it has any,
    /// opens the ICMPv6 socket there. A link without IPv6 (or with IPv6 switched off) has none.
    init(pid: Int32, ifindex: Int32) throws(NetmonError) {
        let max = 8
        var flat = [UInt8](repeating: 0, count: 16 * max)
        let n = flat.withUnsafeMutableBytes { buf -> Int32 in
            guard let base = buf.baseAddress else { return -EINVAL }
            return cnl_ipv6_global_addrs(pid, ifindex, base.assumingMemoryBound(to: Address16.self), Int32(max))
        }
        if n == -ESRCH { throw NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid") }
        guard n >= 0 else { throw NetmonError(.netlinkError, "IPv6 addresses: \(errnoText(n))") }
        let raw = (0..<Int(n)).map { Array(flat[$0 * 16..<($0 + 1) * 16]) }
        self.ifindex = ifindex
        targets = raw
        addresses = raw.map(Self.text)
        if raw.isEmpty {
            fd = -1
            return
        }
        let fd = cnl_na_open(pid, ifindex)
        if fd == -ESRCH { throw NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid") }
        guard fd >= 0 else { throw NetmonError(.netlinkError, "ICMPv6 socket: \(errnoText(fd))") }
        self.fd = fd
    }

    /// One advertisement per address, from `mac`.
    func send(from mac: [UInt8], on name: String) throws(NetmonError) {
        for target in targets {
            let r = target.withUnsafeBufferPointer { t in mac.withUnsafeBufferPointer { m in cnl_na_send(fd, ifindex, t.baseAddress, m.baseAddress) } }
            guard r == 0 else { throw NetmonError(.netlinkError, "neighbour advertisement on \(name): \(errnoText(r))") }
        }
    }

    func close() { if fd >= 0 { _ = Glibc.close(fd) } }

    /// The C side's `uint8_t[16]`.
    private typealias Address16 = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    private static func text(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = bytes.withUnsafeBufferPointer { inet_ntop(AF_INET6, $0.baseAddress, &out, socklen_t(INET6_ADDRSTRLEN)) }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

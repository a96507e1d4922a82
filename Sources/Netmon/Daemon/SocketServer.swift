#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore
import NetmonProtocol

/// The listening unix socket: a stale socket file is removed, the new one is created with mode
/// 0660 (owned by root and, when given, the socket group).
enum SocketServer {
    static func listen(path: String, group: UInt32?) throws(StartupError) -> Int32 {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw StartupError("\(path) exists and is not a socket; not removing it")
            }
            unlink(path)
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let dir = String(path[..<slash])
            if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw StartupError("mkdir \(dir): \(errnoText(errno))") }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StartupError("socket: \(errnoText(errno))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw StartupError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        // Created 0600 and widened after chown, so nobody outside root/the group ever sees it open.
        let oldMask = umask(0o177)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(oldMask)
        guard bound == 0 else {
            let e = errno
            close(fd)
            throw StartupError("bind \(path): \(errnoText(e))")
        }
        if let group, chown(path, uid_t.max, group) != 0 {
            let e = errno
            close(fd)
            throw StartupError("chown \(path) to gid \(group): \(errnoText(e))")
        }
        chmod(path, 0o660)
        guard Glibc.listen(fd, 16) == 0 else {
            let e = errno
            close(fd)
            throw StartupError("listen: \(errnoText(e))")
        }
        return fd
    }

    /// The peer's uid (SO_PEERCRED).
    static func peerUID(_ fd: Int32) -> UInt32? {
        var uid: uid_t = 0
        var gid: gid_t = 0
        var pid: pid_t = 0
        return cnl_peer_cred(fd, &uid, &gid, &pid) == 0 ? uid : nil
    }
}

/// One accepted client: its line framer, bounded output and the order of its id-less requests.
final class ClientConnection {
    /// An ordered item: a request, or the error for a line that could not be one.
    enum Ordered: Sendable {
        case request(NetmonRequest)
        case rejected(RejectedRequest)
    }

    let id: UInt64
    let fd: Int32
    let uid: UInt32
    var framer = LineFramer()
    var output = OutputQueue()
    var sequencer = RequestSequencer<Ordered>()
    /// Ordered items cleared to run, drained by the pump (keeps the stack flat when many
    /// pipelined requests complete synchronously).
    var ready: [Ordered] = []
    var pumping = false
    var closed = false

    init(id: UInt64, fd: Int32, uid: UInt32) {
        self.id = id
        self.fd = fd
        self.uid = uid
    }
}

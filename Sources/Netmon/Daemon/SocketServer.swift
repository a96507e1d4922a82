#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore
import NetmonProtocol

/// The listening unix socket: a stale socket file is removed, the new one is created with mode
/// 0660 (owned by root and, when given, the socket group). It is bound and made to listen under a
/// temporary name next to `path` and then renamed into place, so a client never finds a socket
/// file that refuses connections (the window between bind and listen).
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
        guard Array(path.utf8).count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw StartupError("socket path too long: \(path)")
        }
        // A temporary name that fits sun_path; when it does not, bind the final name directly.
        let temporary = path + ".\(getpid()).tmp"
        let staging = Array(temporary.utf8).count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) ? temporary : path
        if staging != path { unlink(staging) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StartupError("socket: \(errnoText(errno))") }
        do throws(StartupError) {
            try bindListening(fd, at: staging, group: group)
            if staging != path, rename(staging, path) != 0 {
                throw StartupError("rename \(staging) to \(path): \(errnoText(errno))")
            }
            return fd
        } catch {
            close(fd)
            if staging != path { unlink(staging) }
            throw error
        }
    }

    /// Binds `fd` to `path` (created 0600 and widened to 0660 after the chown, so nobody outside
    /// root and the group ever sees it open) and starts listening.
    private static func bindListening(_ fd: Int32, at path: String, group: UInt32?) throws(StartupError) {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let oldMask = umask(0o177)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(oldMask)
        guard bound == 0 else { throw StartupError("bind \(path): \(errnoText(errno))") }
        if let group, chown(path, uid_t.max, group) != 0 {
            throw StartupError("chown \(path) to gid \(group): \(errnoText(errno))")
        }
        chmod(path, 0o660)
        guard Glibc.listen(fd, 16) == 0 else { throw StartupError("listen: \(errnoText(errno))") }
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

#if canImport(Glibc)
import Glibc
#endif

/// Minimal AF_UNIX stream socket calls for the local door: the listening socket the server
/// hands to swift-nio (bound and chmod-ed before it listens) and the blocking one-shot client
/// (`orchestrator-agent ctl`, ``DoorClient``).
public enum UnixSocket {
    /// `sockaddr_un` for `path`, or nil when the path does not fit (108 bytes with the NUL).
    static func address(_ path: String) -> sockaddr_un? {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    static func newSocket() -> Int32 { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }

    /// Connects to `path`; returns the descriptor or a negative errno.
    public static func connect(path: String) -> Int32 {
        guard var addr = address(path) else { return -ENAMETOOLONG }
        let fd = newSocket()
        guard fd >= 0 else { return -errno }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            return -e
        }
        return fd
    }

    /// Binds and listens on `path` with mode `mode`; returns the descriptor or a negative errno.
    static func listen(path: String, mode: mode_t) -> Int32 {
        guard var addr = address(path) else { return -ENAMETOOLONG }
        let fd = newSocket()
        guard fd >= 0 else { return -errno }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, chmod(path, mode) == 0, Glibc.listen(fd, 16) == 0 else {
            let e = errno
            close(fd)
            return -e
        }
        return fd
    }

    /// Sends all of `bytes`; `nonBlocking` gives up at once when the peer is not reading.
    static func send(_ fd: Int32, _ bytes: [UInt8], nonBlocking: Bool = false) -> Bool {
        var off = 0
        let flags = Int32(MSG_NOSIGNAL) | (nonBlocking ? Int32(MSG_DONTWAIT) : 0)
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.send(fd, base + off, raw.count - off, flags)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }

    /// Reads what is there (blocking); empty at end of stream or on error.
    static func receive(_ fd: Int32, max: Int = 65536) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? Array(buf[0..<n]) : []
        }
    }
}

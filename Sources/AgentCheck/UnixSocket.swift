#if canImport(Glibc)
import Glibc
#endif

/// A blocking AF_UNIX stream client where every wait is bounded by a ``Deadline`` (`poll` on a
/// non-blocking descriptor). One thread at a time; run it through ``Blocking``.
final class UnixSocket {
    let path: String
    private let fd: Int32

    /// Connects to `path`.
    /// - Throws: ``CheckError`` `missing` (no such path), `connection_refused` (nothing listens,
    ///   or not a socket), `permission_denied`, `timeout`, `invalid` (path too long), `io`.
    init(path: String, deadline: Deadline) throws(CheckError) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw CheckError(.invalid, "socket path '\(path)' is empty or longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw FileFacts.error(errno, path) }
        self.fd = fd
        while true {
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc == 0 { return }
            let err = errno
            switch err {
            case EINTR: continue
            case EAGAIN:  // the listener's backlog is full: try again until the deadline
                guard !deadline.hasPassed else {
                    close(fd)
                    throw CheckError(.timeout, "'\(path)' accepted no connection in time (backlog full)")
                }
                usleep(20_000)
            case ECONNREFUSED:
                close(fd)
                throw CheckError(.connectionRefused, "nothing accepts connections on '\(path)' (stale socket file, or not a socket)")
            default:
                close(fd)
                throw FileFacts.error(err, path)
            }
        }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`.
    /// - Throws: ``CheckError`` `timeout`, `closed`, `io`.
    func send(_ bytes: [UInt8], deadline: Deadline) throws(CheckError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline, what: "writing to")
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE || errno == ECONNRESET { throw CheckError(.closed, "'\(path)' closed the connection") }
                throw FileFacts.error(errno, path)
            }
            offset += n
        }
    }

    /// The next bytes the peer sent; empty at end of stream.
    /// - Throws: ``CheckError`` `timeout`, `io`.
    func receive(deadline: Deadline) throws(CheckError) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            try wait(for: Int16(POLLIN), deadline: deadline, what: "reading from")
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return [] }
                throw FileFacts.error(errno, path)
            }
            return Array(chunk[0..<n])
        }
    }

    private func wait(for events: Int16, deadline: Deadline, what: String) throws(CheckError) {
        while true {
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, deadline.remainingMilliseconds)
            if n > 0 { return }
            if n == 0 { throw CheckError(.timeout, "no answer \(what) '\(path)' in time") }
            if errno != EINTR { throw FileFacts.error(errno, path) }
        }
    }
}

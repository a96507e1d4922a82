import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server for one resource: `GET /metrics` answers 200 with the Prometheus text
/// exposition format (`text/plain; version=0.0.4`); every other request answers 404.
///
/// - One accept loop on its own thread (never a Swift concurrency thread), one connection at a
///   time, closed after the reply (`Connection: close`).
/// - A request head larger than ``maxRequestBytes`` is answered 431; a client gets
///   ``ioTimeoutSeconds`` to send its request and read the reply.
/// - Bound to the address given, which ``MetricsSettings`` has checked is loopback.
///
/// ``stop()`` stops listening at once (a new connection is refused) and the thread ends.
final class MetricsHTTPServer: Sendable {
    static let maxRequestBytes = 8192
    static let ioTimeoutSeconds = 2
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The port actually bound (the kernel's pick when 0 was asked for).
    let port: UInt16
    private let listener: Mutex<Int32>  // -1 once closed (the lock keeps a stop from racing the close)
    private let stopping = Atomic<Bool>(false)

    private init(fd: Int32, port: UInt16) {
        self.listener = Mutex(fd)
        self.port = port
    }

    /// Binds and starts serving `body()` at `/metrics`.
    /// - Throws: ``AgentCoreError`` `config_invalid` (`metrics.port`) when the address cannot be
    ///   bound (port in use, not permitted).
    static func start(address: String, port: UInt16, body: @escaping @Sendable () -> [UInt8]) throws(AgentCoreError)
        -> MetricsHTTPServer
    {
        let (fd, bound) = try listen(address: address, port: port)
        let server = MetricsHTTPServer(fd: fd, port: bound)
        let thread = Thread { server.acceptLoop(fd: fd, body: body) }
        thread.name = "metrics-http"
        thread.start()
        return server
    }

    /// Stops listening; idempotent. A reply being written finishes on the server's thread.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        listener.withLock { fd in if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    /// Waits (at most `seconds`) until the server's thread has closed the listening socket,
    /// i.e. until its port can be bound again. Only for a restart on the same port.
    func waitUntilClosed(seconds: Double) {
        var left = Int(seconds * 1000)
        while left > 0, listener.withLock({ $0 >= 0 }) {
            usleep(1000)
            left -= 1
        }
    }

    private func acceptLoop(fd: Int32, body: @Sendable () -> [UInt8]) {
        defer { listener.withLock { fd in Glibc.close(fd); fd = -1 } }
        while !stopping.load(ordering: .acquiring) {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if stopping.load(ordering: .acquiring) { return }
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: usleep(100_000); continue
                default: return
                }
            }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            Self.serve(c, body: body)
            Glibc.close(c)
        }
    }

    /// Reads one request head and answers it.
    static func serve(_ c: Int32, body: () -> [UInt8]) {
        var tv = timeval(tv_sec: ioTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while head.count < maxRequestBytes, head.firstRange(of: end) == nil {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }  // closed or timed out before a whole head: nothing to answer
            head += chunk[0..<n]
        }
        guard let headEnd = head.firstRange(of: end) else {
            reply(c, status: "431 Request Header Fields Too Large", body: Array("request too large\n".utf8))
            return
        }
        let requestLine = head[..<headEnd.lowerBound].split(separator: UInt8(ascii: "\r"), maxSplits: 1).first ?? []
        let parts = requestLine.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        let path = parts.count == 3 ? parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first : nil
        if parts.count == 3, parts[0] == "GET", path == "/metrics" {
            reply(c, status: "200 OK", body: body(), contentType: contentType)
        } else {
            reply(c, status: "404 Not Found", body: Array("not found: only GET /metrics is served here\n".utf8))
        }
    }

    private static func reply(_ c: Int32, status: String, body: [UInt8], contentType: String = "text/plain; charset=utf-8") {
        var bytes = Array(
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                .utf8)
        bytes += body
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var done = 0
            while done < raw.count {
                let n = send(c, base + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return }
                done += n
            }
        }
        _ = shutdown(c, Int32(SHUT_WR))
        drain(c)
    }

    /// Reads what the client still sends (up to 64 KiB, 0.5 s) until it closes, so closing with
    /// unread bytes does not reset the connection before the client has read the reply.
    private static func drain(_ c: Int32) {
        var tv = timeval(tv_sec: 0, tv_usec: 500_000)
        _ = setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sink = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < 65536 {
            let n = sink.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            total += n
        }
    }
}

import Foundation
import Synchronization

/// A tiny unix-socket server for client tests: each accepted connection runs `behaviour` on a
/// thread of its own. With `accepting: false` it listens but never accepts (connections complete
/// in the kernel's backlog and are never answered).
final class UnixStubServer: Sendable {
    let path: String
    private let fd: Int32
    private let closed = StopFlag()
    private let accepting: Bool

    init(accepting: Bool = true, behaviour: @escaping @Sendable (StubConnection) -> Void = { _ in }) throws {
        path = "/tmp/det-\(UUID().uuidString.prefix(8)).sock"
        self.accepting = accepting
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StubError("socket() failed") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw StubError("bind/listen on \(path) failed") }
        guard accepting else { return }
        let listener = fd
        let stopped = closed
        Thread.detachNewThread {
            // Polls so that it notices close() and closes the descriptor itself: closing it under
            // a blocked accept() could let the number be reused by another test's socket first.
            while true {
                var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 50)
                if stopped.closed {
                    Glibc.close(listener)
                    return
                }
                guard ready > 0 else { continue }
                let c = accept(listener, nil, nil)
                if c < 0 { continue }
                _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                Thread.detachNewThread { behaviour(StubConnection(fd: c)) }
            }
        }
    }

    /// Stops listening (once); the accept thread closes the socket. Connections stay with their
    /// behaviours, which close them. Call it at the end of a test (`defer { server.close() }`):
    /// that also keeps the server alive until then (ARC may otherwise end it after its last use).
    func close() {
        guard closed.close() else { return }
        unlink(path)
        if !accepting { Glibc.close(fd) }
    }

    deinit { close() }
}

/// One accepted connection (closed by ``close()``; the behaviour must call it).
struct StubConnection: Sendable {
    let fd: Int32

    /// Reads one request: the head and a `Content-Length` body. Nil on EOF first.
    func readRequest() -> StubRequest? {
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var bodyLength = 0
        while true {
            if let h = headEnd, data.count >= h + bodyLength { break }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n <= 0 { return data.isEmpty ? nil : StubRequest(raw: data, headEnd: headEnd ?? data.count) }
            data += buf[0..<n]
            if headEnd == nil, let r = Self.find([13, 10, 13, 10], in: data) {
                headEnd = r + 4
                let head = String(decoding: data[0..<r], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        return StubRequest(raw: data, headEnd: headEnd ?? data.count)
    }

    /// Reads until the peer closes; returns how many bytes came.
    @discardableResult
    func readUntilEOF() -> Int {
        var total = 0
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { return total }
            total += n
        }
    }

    func write(_ text: String) { write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    func close() { Glibc.close(fd) }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

/// A request as the stub received it.
struct StubRequest: Sendable {
    let raw: [UInt8]
    let headEnd: Int

    var head: String { String(decoding: raw[0..<headEnd], as: UTF8.self) }
    var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
    var body: [UInt8] { Array(raw[headEnd...]) }
    /// The header lines as sent (name case kept).
    var headerLines: [String] { Array(head.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }) }
}

struct StubError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A thread-safe slot for what a stub behaviour saw.
final class Recorder<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    var get: T? { value.withLock { $0 } }

    /// Polls until a value is there (or `seconds` pass: a bound that only turns a hang into a
    /// failure, generous because a loaded machine stalls for seconds).
    func wait(seconds: Double = 30) async -> T? {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if let v = get { return v }
            try? await Task.sleep(for: .milliseconds(10))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return get
    }
}

/// Set once by ``UnixStubServer/close()``, read by its accept thread.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var closed: Bool { value.withLock { $0 } }
    /// Sets the flag; true the first time.
    func close() -> Bool { value.withLock { v in defer { v = true }; return !v } }
}

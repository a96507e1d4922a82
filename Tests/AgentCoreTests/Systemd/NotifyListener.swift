import Foundation

/// The service manager's side of the notify protocol, for tests: a datagram socket bound to an
/// abstract name (`@orchestrator-notify-<uuid>`, nothing on disk) or a path, and a reader that
/// keeps every datagram with the time it arrived.
final class NotifyListener: @unchecked Sendable {
    /// What a process under test gets as `NOTIFY_SOCKET`.
    let name: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(message: String, at: Date)] = []

    /// Binds `@orchestrator-notify-<uuid>`, or `path` when given.
    init(path: String? = nil) throws {
        name = path ?? "@orchestrator-notify-\(UUID().uuidString.prefix(12))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw LabError("bind \(name): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Every datagram so far, in arrival order.
    var messages: [String] { lock.withLock { received.map(\.message) } }

    /// The arrival times of the datagrams that contain `assignment`.
    func times(of assignment: String) -> [Date] {
        lock.withLock { received.filter { Self.assignments($0.message).contains(assignment) }.map(\.at) }
    }

    /// Reads datagrams until one satisfies `match` (checked on everything read so far, from
    /// index `from`) or `seconds` pass. Blocking: call it off the concurrency pool.
    /// - Returns: the matching datagram's index, or nil at the deadline.
    func wait(seconds: Double, from: Int = 0, _ match: (String) -> Bool) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let i = lock.withLock({ received.indices.first { $0 >= from && match(received[$0].message) } }) { return i }
            guard Date() < deadline else { return nil }
            drain()
        }
    }

    /// Reads what arrives for `seconds` (a window in which nothing must, or something may, arrive).
    func collect(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline { drain() }
    }

    /// The `KEY=VALUE` lines of a datagram.
    static func assignments(_ message: String) -> [String] { message.split(separator: "\n").map(String.init) }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }  // returns within SO_RCVTIMEO
        guard n > 0 else { return }
        let message = String(decoding: buffer[0..<n], as: UTF8.self)
        lock.withLock { received.append((message, Date())) }
    }
}

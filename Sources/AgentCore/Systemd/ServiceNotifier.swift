#if canImport(Glibc)
import Glibc
#endif

/// The sender side of systemd's notify protocol (`sd_notify(3)`), written out instead of linking
/// libsystemd: newline-separated `KEY=VALUE` assignments in one datagram to the `AF_UNIX` socket
/// that `NOTIFY_SOCKET` names (a path, or `@name` in the abstract namespace).
///
/// The daemon sends `READY=1` once it is connected to the cloud or its first attempt ended,
/// `RELOADING=1` + `MONOTONIC_USEC=…` then `READY=1` around a SIGHUP reload, `STOPPING=1` at a
/// graceful stop, `WATCHDOG=1` from ``SystemdWatchdog``, and `STATUS=…` lines for
/// `systemctl status`. Without `NOTIFY_SOCKET` there is no notifier (``fromEnvironment(_:)``
/// answers nil) and nothing is sent.
///
/// Thread-safe: one datagram socket, sends are single `sendto` calls.
public final class ServiceNotifier: Sendable {
    /// Where the datagrams go, as given (`/run/systemd/notify`, `@name`).
    public let socketName: String
    /// The watchdog period systemd expects (`WATCHDOG_USEC`), when it asked this process for
    /// pings; nil when the watchdog is off or meant for another process (`WATCHDOG_PID`).
    public let watchdogInterval: Duration?
    private let fd: Int32
    private let address: [UInt8]  // the sockaddr_un bytes, exactly as long as sendto must be told

    /// The notifier the environment asks for: nil without `NOTIFY_SOCKET`. The variables are
    /// removed from the environment (as `sd_notify(1, …)` does), so processes the agent starts do
    /// not talk to systemd in its name.
    /// - Throws: ``AgentCoreError`` `invalid_argument` naming the variable when `NOTIFY_SOCKET`
    ///   is neither an absolute path nor `@name` (or too long), or `WATCHDOG_USEC` /
    ///   `WATCHDOG_PID` is not a positive whole number; `notify_unavailable` when no datagram
    ///   socket can be made.
    public static func fromEnvironment(_ environment: [String: String], pid: pid_t = getpid()) throws(AgentCoreError)
        -> ServiceNotifier?
    {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        var interval: Duration?
        if let usec = environment["WATCHDOG_USEC"] {
            guard let micros = Int64(usec), micros > 0 else {
                throw AgentCoreError(.invalidArgument, "WATCHDOG_USEC '\(usec)' is not a positive number of microseconds", field: "WATCHDOG_USEC")
            }
            interval = .microseconds(micros)
            if let owner = environment["WATCHDOG_PID"] {
                guard let ownerPID = Int32(owner), ownerPID > 0 else {
                    throw AgentCoreError(.invalidArgument, "WATCHDOG_PID '\(owner)' is not a process id", field: "WATCHDOG_PID")
                }
                if ownerPID != pid { interval = nil }  // the watchdog belongs to another process
            }
        }
        return try ServiceNotifier(socket: socket, watchdogInterval: interval)
    }

    /// A notifier sending to `socket` (an absolute path or `@name`).
    /// - Throws: ``AgentCoreError`` as ``fromEnvironment(_:pid:)``.
    public init(socket: String, watchdogInterval: Duration? = nil) throws(AgentCoreError) {
        guard let address = Self.address(of: socket) else {
            throw AgentCoreError(
                .invalidArgument, "NOTIFY_SOCKET '\(socket)' must be an absolute path or @name of at most 107 bytes",
                field: "NOTIFY_SOCKET")
        }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw AgentCoreError(.notifyUnavailable, "cannot make a datagram socket: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.address = address
        self.socketName = socket
        self.watchdogInterval = watchdogInterval
    }

    deinit { close(fd) }

    /// Sends `assignments` (`["READY=1", "STATUS=…"]`) as one datagram.
    /// - Returns: nil when sent, else the system's words for why not (the caller logs it; a
    ///   service manager that went away must not stop the agent).
    @discardableResult
    public func send(_ assignments: [String]) -> String? {
        let message = Array(assignments.joined(separator: "\n").utf8)
        let sent = message.withUnsafeBytes { body in
            address.withUnsafeBytes { addr in
                sendto(
                    fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL),
                    addr.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(addr.count))
            }
        }
        return sent == message.count ? nil : String(cString: strerror(errno))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC` (`CLOCK_MONOTONIC` now, as systemd wants it to tell
    /// this reload from an older one).
    public static func reloadingAssignments() -> [String] {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ["RELOADING=1", "MONOTONIC_USEC=\(Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000)"]
    }

    /// The `sockaddr_un` bytes for `name`, cut to the length `sendto` must be given: a path keeps
    /// its terminating NUL; an abstract name (`@x`) starts with a NUL and has none at the end.
    static func address(of name: String) -> [UInt8]? {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@"), !bytes.contains(0) else {
            return nil
        }
        let pathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        let header = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        var family = [UInt8](repeating: 0, count: header)
        withUnsafeBytes(of: sa_family_t(AF_UNIX)) { family.replaceSubrange(0..<$0.count, with: $0) }
        if first == UInt8(ascii: "@") {
            guard bytes.count <= pathCapacity else { return nil }
            return family + [0] + bytes.dropFirst()
        }
        guard bytes.count < pathCapacity else { return nil }
        return family + bytes + [0]
    }
}

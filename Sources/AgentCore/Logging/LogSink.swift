import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where the daemon's log records go: standard output and/or the rotated `agent.log`, written
/// under one lock so records never interleave.
///
/// A write never throws, traps or waits long: a failed or refused write is counted in
/// ``writeErrors`` and the record is dropped for that output. Standard output is written only
/// when `poll` says it can take data (waiting at most 100 ms, and not at all again until a write
/// succeeds), so a stalled reader of the daemon's stdout costs at most 100 ms once, not a hang.
///
/// Thread-safe; shared by every copy of ``AgentLogHandler``.
public final class LogSink: Sendable {
    private struct State: ~Copyable {
        var stream: Int32?
        var streamStalled = false
        var file: RotatingLogFile?
        var lockFD: Int32 = -1
    }

    private let state: Mutex<State>
    private let errors = Atomic<Int>(0)
    /// The live log file, when file output is on.
    public let filePath: String?

    /// A sink writing to `stream` (a file descriptor, e.g. `STDOUT_FILENO`) and/or `file`.
    init(stream: Int32?, file: sending RotatingLogFile?, lockFD: Int32 = -1) {
        filePath = file?.path
        state = Mutex(State(stream: stream, file: file, lockFD: lockFD))
    }

    deinit {
        state.withLock { s in
            if s.lockFD >= 0 { Glibc.close(s.lockFD) }
        }
    }

    /// Writes failed or dropped since start (each output of each record counts once).
    public var writeErrors: Int { errors.load(ordering: .relaxed) }

    /// Writes one rendered record to every output.
    func write(_ bytes: [UInt8]) {
        let failures = state.withLock { s -> Int in
            var failures = 0
            if let fd = s.stream {
                if Self.writeStream(fd, bytes, stalled: s.streamStalled) {
                    s.streamStalled = false
                } else {
                    s.streamStalled = true
                    failures += 1
                }
            }
            if let file = s.file, !file.write(bytes) { failures += 1 }
            return failures
        }
        if failures > 0 { errors.add(failures, ordering: .relaxed) }
    }

    /// Closes the file and releases the folder's lock; later records go to the stream only.
    public func close() {
        state.withLock { s in
            s.file?.close()
            s.file = nil
            if s.lockFD >= 0 { Glibc.close(s.lockFD) }
            s.lockFD = -1
        }
    }

    private static func writeStream(_ fd: Int32, _ bytes: [UInt8], stalled: Bool) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&p, 1, stalled ? 0 : 100) } while ready < 0 && errno == EINTR
        guard ready > 0, p.revents & Int16(POLLOUT) != 0 else { return false }
        return bytes.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return true }
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, base + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                done += n
            }
            return true
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// `agent.log` in a folder, appended to and rotated by size.
///
/// - Opened `O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC`, mode 0640: a restart appends, never
///   truncates.
/// - Before a write that would take the file past `maxBytes`, the file is rotated:
///   `agent.log.<maxFiles>` is deleted, `agent.log.N` becomes `agent.log.N+1`, `agent.log`
///   becomes `agent.log.1`, and a new `agent.log` is opened. A record is never split; a single
///   record larger than `maxBytes` gets a file of its own.
/// - Nothing here throws or traps: ``write(_:)`` answers false and the caller counts it.
///   When the file cannot be reopened after a rotation, writes answer false and a reopen is
///   tried again at most once a second.
///
/// Not thread-safe: ``LogSink`` owns it behind its lock. One process per folder (``LogSink``
/// holds `logs/.lock`).
final class RotatingLogFile {
    /// The folder and the live file's path.
    let directory: String
    let path: String
    let maxBytes: Int
    let maxFiles: Int
    private var fd: Int32 = -1
    private var size = 0
    private var retryAfter: UInt64 = 0

    /// The live file's name.
    static let name = "agent.log"

    /// Prepares `directory/agent.log`; ``open()`` opens it.
    init(directory: String, maxBytes: Int, maxFiles: Int) {
        self.directory = directory
        self.path = directory + "/" + Self.name
        self.maxBytes = maxBytes
        self.maxFiles = maxFiles
    }

    /// Opens (creating it if needed) the live file.
    /// - Returns: nil, or why the file cannot be opened.
    func open() -> String? {
        reopen() ? nil : "cannot open '\(path)': \(String(cString: strerror(errno)))"
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Appends one record (rotating first when it would not fit).
    /// - Returns: false when the record (or the rotation before it) failed.
    func write(_ bytes: [UInt8]) -> Bool {
        if fd < 0 {
            guard monotonicNanoseconds() >= retryAfter, reopen() else { return false }
        }
        var ok = true
        if size > 0, size + bytes.count > maxBytes {
            ok = rotate()
            if fd < 0 { return false }
        }
        let written = bytes.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, base + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    break
                }
                done += n
            }
            return done
        }
        size += written
        return ok && written == bytes.count
    }

    /// Closes the file (later writes reopen it).
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// The path of rotated file `n` (1 = newest).
    func rotatedPath(_ n: Int) -> String { path + ".\(n)" }

    private func rotate() -> Bool {
        close()
        var ok = true
        if unlink(rotatedPath(maxFiles)) != 0, errno != ENOENT { ok = false }
        if maxFiles > 1 {
            for n in stride(from: maxFiles - 1, through: 1, by: -1) {
                if rename(rotatedPath(n), rotatedPath(n + 1)) != 0, errno != ENOENT { ok = false }
            }
        }
        if rename(path, rotatedPath(1)) != 0, errno != ENOENT { ok = false }
        return reopen() && ok
    }

    @discardableResult
    private func reopen() -> Bool {
        let f = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard f >= 0 else {
            let reason = errno
            retryAfter = monotonicNanoseconds() + 1_000_000_000
            errno = reason
            return false
        }
        _ = fchmod(f, 0o640)  // umask may have narrowed it; an existing looser file is tightened
        var st = stat()
        size = fstat(f, &st) == 0 ? Int(st.st_size) : 0
        fd = f
        return true
    }

    private func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

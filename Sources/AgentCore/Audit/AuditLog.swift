import AgentClock
import AgentJSON
import AgentStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The append-only, hash-chained audit trail of every command from either door (cloud and
/// local), kept in `<state_dir>/audit/`:
///
/// - `audit.log` — the current file, one ``AuditEntry`` line per command, mode 0600;
/// - `audit-<first seq>.log` — earlier files, rotated at `maxBytes`, at most `maxFiles` kept
///   (the chain runs on across files);
/// - `head` — `<seq> <hash> <first seq of audit.log>` of the last line, so a cut tail is seen
///   (rewritten in place, fixed width).
///
/// Appends take `flock` on `audit/.lock` (two processes never interleave) and write the line
/// (`O_APPEND`) before the command's answer leaves; ``AuditSyncer`` makes it durable — before
/// the answer with `syncWindow` 0, else within `syncWindow` (group commit). A failed append is
/// logged by the caller and counted in ``failures``; it never blocks or fails the command.
public final class AuditLog: Sendable {
    public let directory: String
    let maxBytes: Int
    let maxFiles: Int
    private let lock = Mutex<Void>(())
    private let failureCount = Atomic<Int>(0)
    private let syncer: AuditSyncer

    /// The trail in `directory` (created 0700 when missing).
    /// - Parameter syncWindow: 0 syncs every line before ``append(_:)`` returns; otherwise lines
    ///   are synced in groups within this time (``AuditSyncer``) on `clock`.
    /// - Parameter timerExecutor: where the group commit's timer runs (nil: a thread of its own).
    /// - Throws: ``AgentCoreError`` `audit_unavailable` when the folder cannot be made.
    public init(
        directory: String, maxBytes: Int = 16 << 20, maxFiles: Int = 8, syncWindow: Duration = .zero,
        clock: any AgentClock = SystemClock(), timerExecutor: (any TaskExecutor)? = nil
    ) throws(AgentCoreError) {
        self.directory = directory
        self.maxBytes = max(4096, maxBytes)
        self.maxFiles = max(1, maxFiles)
        self.syncer = AuditSyncer(
            path: directory + "/audit.log", window: max(.zero, syncWindow), clock: clock, timerExecutor: timerExecutor)
        // The state folder itself may be new (mkdir -p; the audit folder is 0700).
        var partial = ""
        for part in directory.split(separator: "/").dropLast() {
            partial += "/" + part
            _ = mkdir(partial, 0o750)
        }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw AgentCoreError(.auditUnavailable, "cannot create the audit folder '\(directory)': \(String(cString: strerror(errno)))")
        }
    }

    /// Group commits of the sync window done so far (for diagnostics and tests).
    var groupCommits: Int { syncer.groupCommits }

    /// Lines synced before their append returned (commands that change something).
    var immediateSyncs: Int { syncer.immediateSyncs }

    /// Appends after failures so far (for metrics and `check`).
    public var failures: Int { failureCount.load(ordering: .relaxed) }

    var logPath: String { directory + "/audit.log" }
    var headPath: String { directory + "/head" }

    /// Appends one answered command.
    /// - Returns: the entry's hash, or nil when the append failed (also counted in ``failures``).
    @discardableResult
    public func append(_ record: CommandRecord) -> String? {
        lock.withLock { _ -> String? in
            let lockFD = open(directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard lockFD >= 0 else { return fail() }
            defer { close(lockFD) }
            guard flock(lockFD, LOCK_EX) == 0 else { return fail() }
            var head = readHead() ?? recoverHead()
            if let size = fileSize(logPath), size >= maxBytes {
                syncer.syncNow()  // what the window has not synced yet goes with the old file
                rotate(firstSeq: head.first)
                head.first = head.seq + 1
            }
            let seq = head.seq + 1
            let entry = AuditEntry.entryObject(seq: seq, time: Dispatcher.isoNow(), record: record)
            let (line, hash) = AuditEntry.line(prev: head.hash, entry: entry)
            let fd = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return fail() }
            defer { close(fd) }
            guard writeAll(fd, line + [UInt8(ascii: "\n")]), syncer.written(fd: fd, readOnly: record.readOnly) else { return fail() }
            writeHead(Head(seq: seq, hash: hash, first: head.seq == 0 ? 1 : head.first))
            return hash
        }
    }

    private func fail() -> String? {
        failureCount.add(1, ordering: .relaxed)
        return nil
    }

    struct Head {
        var seq: UInt64
        var hash: String
        var first: UInt64

        /// `<seq> <hash> <first>\n`, the numbers zero-padded to 20 digits so that every record
        /// has the same length (107 bytes) and overwrites the previous one exactly.
        var record: [UInt8] {
            func padded(_ n: UInt64) -> String {
                let d = String(n)
                return String(repeating: "0", count: max(0, 20 - d.count)) + d
            }
            return Array("\(padded(seq)) \(hash) \(padded(first))\n".utf8)
        }
    }

    func readHead() -> Head? {
        guard let bytes = readBytes(headPath) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 3, let seq = UInt64(parts[0]), AuditEntry.isHex64(String(parts[1])), let first = UInt64(parts[2])
        else { return nil }
        return Head(seq: seq, hash: String(parts[1]), first: first)
    }

    /// Without a head file: the last line of `audit.log` (or of the newest rotated file) says
    /// where the chain stands; nothing at all starts from genesis.
    private func recoverHead() -> Head {
        for path in [logPath] + AuditFiles.rotated(in: directory).reversed().map({ directory + "/" + $0 }) {
            guard let bytes = readBytes(path) else { continue }
            let lines = bytes.split(separator: UInt8(ascii: "\n"))
            if let last = lines.last, case .success(let e) = AuditEntry.parse(line: last) {
                // harmless: an unreadable first line only changes the name the file gets when it rotates
                let first = lines.first.flatMap { try? AuditEntry.parse(line: $0).get() }?.seq ?? e.seq
                return Head(seq: e.seq, hash: e.hash, first: path == logPath ? first : e.seq + 1)
            }
        }
        return Head(seq: 0, hash: AuditEntry.genesis, first: 1)
    }

    /// Rewrites `head` in place: one fixed-width record (`Head.record`, 107 bytes) written at
    /// offset 0. Not a temporary file renamed over it: on ext4 a rename over an existing file
    /// starts writeback of the new one (`auto_da_alloc`), which cost as much as the line's own
    /// `fdatasync` on every command. A torn record reads as no head, as a deleted one does
    /// (the trail then resumes from the log's last line).
    private func writeHead(_ head: Head) {
        let fd = open(headPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // (Heads of the earlier variable-width format are never longer than a record.)
        let record = head.record
        _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private func rotate(firstSeq: UInt64) {
        let padded = String(firstSeq)
        let name = "audit-" + String(repeating: "0", count: max(0, 12 - padded.count)) + padded + ".log"
        rename(logPath, directory + "/" + name)
        let rotated = AuditFiles.rotated(in: directory)
        for old in rotated.dropLast(maxFiles) { unlink(directory + "/" + old) }
    }
}

/// Small POSIX file helpers of the audit trail.
enum AuditFiles {
    /// Rotated files, oldest first (their names sort by first seq).
    static func rotated(in directory: String) -> [String] {
        (Directory.names(directory) ?? []).filter { $0.hasPrefix("audit-") && $0.hasSuffix(".log") }
    }
}

func fileSize(_ path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int(st.st_size)
}

func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        out += buf[0..<n]
    }
    return out
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return -1 }
            return write(fd, base + off, raw.count - off)
        }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        off += n
    }
    return true
}

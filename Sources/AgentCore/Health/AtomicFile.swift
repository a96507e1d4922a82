#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small files replaced atomically: written to a temporary file beside the target, fsynced,
/// given their mode, then renamed over it, so a reader sees the old or the new content, never a
/// mix; the folder is fsynced after the rename, so the rename itself survives a power cut. Used
/// for `health.json`, `site-toggles.json`, the site config's pins and the upgrade's `last.json`.
public enum AtomicFile {
    /// A failed write: which system call failed on which path, with `errno`.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Stable code: `atomic_write_failed`.
        public let code = "atomic_write_failed"
        public let path: String
        public let call: String
        public let errno: Int32
        public var description: String { "\(code): \(call) '\(path)' failed: \(String(cString: strerror(errno)))" }
    }

    /// Replaces `path` with `bytes` (mode `mode`, and `owner` when given), creating missing
    /// parent folders with 0750.
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o640, owner: (uid_t, gid_t)? = nil)
        throws(Failure)
    {
        let dir = parent(of: path)
        try ensureDirectory(dir)
        let tmp = "\(path).tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: tmp, call: "open", errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return write(fd, base + written, b.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(tmp)
                throw Failure(path: tmp, call: "write", errno: e)
            }
            written += n
        }
        if let owner, fchown(fd, owner.0, owner.1) != 0 {
            let e = errno
            close(fd)
            unlink(tmp)
            throw Failure(path: tmp, call: "fchown", errno: e)
        }
        // The umask may have narrowed the mode given to open (and fchown may clear set-id bits).
        _ = fchmod(fd, mode)
        guard fsync(fd) == 0 else {
            let e = errno
            close(fd)
            unlink(tmp)
            throw Failure(path: tmp, call: "fsync", errno: e)
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw Failure(path: path, call: "rename", errno: e)
        }
        // The new content is in place either way; a folder that cannot be synced is not an error
        // (some file systems refuse fsync on a directory).
        let folder = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// The file's bytes, or nil when it does not exist or cannot be read.
    public static func contents(of path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8192) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }

    /// Renames `from` to `to` (same folder); false when it failed.
    @discardableResult
    public static func move(_ from: String, to: String) -> Bool { rename(from, to) == 0 }

    /// The folder part of `path` (`.` when there is none).
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Creates `dir` and its missing parents (mode 0750).
    static func ensureDirectory(_ dir: String) throws(Failure) {
        var st = stat()
        if stat(dir, &st) == 0 { return }
        let up = parent(of: dir)
        if up != dir, up != "." { try ensureDirectory(up) }
        guard mkdir(dir, 0o750) == 0 || errno == EEXIST else { throw Failure(path: dir, call: "mkdir", errno: errno) }
    }
}

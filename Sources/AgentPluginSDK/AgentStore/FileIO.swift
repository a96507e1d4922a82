#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls behind the store: directory setup, whole-file reads, and the crash-safe
/// replace (write temp, fsync, rename, fsync directory). Every failure becomes a ``StoreError``.
enum FileIO {
    static func ioError(_ what: String, path: String, errno code: Int32, hint: String) -> StoreError {
        let reason = String(cString: strerror(code))
        return StoreError(code: .io, message: "\(what) failed: \(reason); \(hint)", path: path, errno: code)
    }

    /// Creates `path` and any missing parents with mode 0700 (each new entry fsynced into its
    /// parent); an existing directory is kept as is.
    static func ensureDirectory(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            let parent = prefix.isEmpty ? "." : prefix
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o700) == 0 {
                if let error = syncDirectory(parent) { throw error }
            } else if errno != EEXIST {
                throw ioError("creating directory", path: prefix, errno: errno,
                              hint: "check that the parent exists, is a directory and is writable")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ioError("stat of store directory", path: path, errno: errno, hint: "check the store path")
        }
        guard (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) else {
            throw ioError("opening store directory", path: path, errno: ENOTDIR,
                          hint: "the store path exists but is not a directory; move the file away")
        }
    }

    /// The names in directory `path` (without `.` and `..`).
    static func listDirectory(_ path: String) throws(StoreError) -> [String] {
        guard let names = Directory.names(path) else {
            throw ioError("listing directory", path: path, errno: errno, hint: "check the store directory permissions")
        }
        return names
    }

    /// Removes a file; a missing file is not an error.
    static func removeFile(_ path: String) throws(StoreError) {
        if unlink(path) != 0, errno != ENOENT {
            throw ioError("removing file", path: path, errno: errno, hint: "check the store directory permissions")
        }
    }

    /// The whole contents of `path`, or nil when it does not exist.
    static func readFile(_ path: String) throws(StoreError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ioError("opening file", path: path, errno: errno, hint: "check the file permissions")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("reading file", path: path, errno: errno, hint: "check the disk")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// Atomically replaces `path` with `bytes`: writes `tmpPath` (created exclusively, mode 0600),
    /// fsyncs it, renames it over `path`, then fsyncs `directory`.
    ///
    /// - Returns: normally. Throws ``ReplaceError/beforeRename`` if `path` is untouched, or
    ///   ``ReplaceError/afterRename`` if the new contents are in place but possibly not durable.
    static func replace(_ path: String, with bytes: [UInt8], tmpPath: String, directory: String) throws(ReplaceError) {
        let fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            throw .beforeRename(ioError("creating temporary file", path: tmpPath, errno: code, hint: hint(code)), exists: code == EEXIST)
        }
        if let failure = writeAll(fd, bytes, path: tmpPath) ?? syncAndClose(fd, path: tmpPath) {
            unlink(tmpPath)
            throw .beforeRename(failure, exists: false)
        }
        if rename(tmpPath, path) != 0 {
            let code = errno
            unlink(tmpPath)
            throw .beforeRename(ioError("renaming temporary file into place", path: path, errno: code, hint: hint(code)), exists: false)
        }
        if let error = syncDirectory(directory) { throw .afterRename(error) }
    }

    /// Fsyncs directory `path` so the names created or renamed in it are durable.
    static func syncDirectory(_ path: String) -> StoreError? {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            return ioError("opening directory for fsync", path: path, errno: errno, hint: hint(errno))
        }
        defer { close(fd) }
        if fsync(fd) != 0 {
            return ioError("fsync of directory", path: path, errno: errno, hint: hint(errno))
        }
        return nil
    }

    /// How ``replace(_:with:tmpPath:directory:)`` failed.
    enum ReplaceError: Error {
        /// The old file is untouched. `exists` is true when the temp name was already taken.
        case beforeRename(StoreError, exists: Bool)
        /// The new file is visible but the directory fsync failed, so it may not survive power loss.
        case afterRename(StoreError)
    }

    private static func hint(_ code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "free disk space in the store directory's file system"
        case EACCES, EPERM, EROFS: return "make the store directory writable by the agent"
        case ENOENT, ENOTDIR: return "the store directory was removed or replaced; restore it"
        default: return "check the store directory and the disk"
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) -> StoreError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                return ioError("writing temporary file", path: path, errno: code, hint: hint(code))
            }
            offset += n
        }
        return nil
    }

    private static func syncAndClose(_ fd: Int32, path: String) -> StoreError? {
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            return ioError("fsync of temporary file", path: path, errno: code, hint: hint(code))
        }
        if close(fd) != 0 {
            return ioError("closing temporary file", path: path, errno: errno, hint: hint(errno))
        }
        return nil
    }
}

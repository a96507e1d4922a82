import AgentStore
// `struct stat` is declared by several Clang modules (Glibc, CDispatch, CoreFoundation); which
// copy the compiler picks differs between debug (CDispatch) and whole-module release builds
// (CoreFoundation), and MemberImportVisibility wants the picked one imported: import both.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CDispatch)
import CDispatch
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What `stat` says about a path (symlinks followed), and whole-file reads, with failures as
/// ``CheckError``s that say which path and why.
struct FileFacts {
    /// Permission bits (`st_mode & 0o7777`).
    let mode: mode_t
    let uid: uid_t
    let type: mode_t
    let inode: UInt64

    var isDirectory: Bool { type == S_IFDIR }
    var isRegularFile: Bool { type == S_IFREG }
    var isSocket: Bool { type == S_IFSOCK }
    /// Readable, writable or executable by group or others.
    var groupOrOtherAccess: Bool { mode & 0o077 != 0 }
    /// Writable by group or others.
    var groupOrOtherWritable: Bool { mode & 0o022 != 0 }
    /// The mode as `chmod` writes it (`0640`).
    var modeText: String { "0" + String(mode, radix: 8) }

    /// `stat(path)`.
    /// - Throws: ``CheckError`` `missing`, `permission_denied` or `io`.
    static func of(_ path: String) throws(CheckError) -> FileFacts {
        var st = stat()
        guard stat(path, &st) == 0 else { throw error(errno, path) }
        return FileFacts(mode: st.st_mode & 0o7777, uid: st.st_uid, type: st.st_mode & S_IFMT, inode: UInt64(st.st_ino))
    }

    /// Whether anything exists at `path` (a dangling symlink counts as nothing).
    static func exists(_ path: String) -> Bool { (try? of(path)) != nil }  // harmless: any stat failure is "nothing there"

    /// The whole file, at most `limit` bytes.
    /// - Throws: ``CheckError`` `missing`, `permission_denied`, `invalid` (too large) or `io`.
    static func read(_ path: String, limit: Int = 16 << 20) throws(CheckError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw CheckError(.invalid, "'\(path)' is larger than \(limit) bytes") }
        }
    }

    /// The names in a folder (without `.` and `..`), sorted.
    static func list(_ path: String) throws(CheckError) -> [String] {
        guard let names = Directory.names(path) else { throw error(errno, path) }
        return names
    }

    /// A system error on `path` as a ``CheckError``.
    static func error(_ code: Int32, _ path: String) -> CheckError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR: return CheckError(.missing, "'\(path)' does not exist")
        case EACCES, EPERM: return CheckError(.permissionDenied, "'\(path)': \(reason)")
        default: return CheckError(.io, "'\(path)': \(reason)")
        }
    }
}

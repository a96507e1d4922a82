import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// A plugin file opened for loading after the pre-load checks (sudo/sshd style), with the
/// SHA-256 of exactly the bytes behind the open descriptor.
///
/// The descriptor stays open until ``close()``: the loader `dlopen`s `/proc/self/fd/N`, so the
/// inode that was hashed is the inode that is mapped (no check/use race).
struct PluginFile {
    let fd: Int32
    let sha256: String

    /// Opens and checks `path`.
    /// - Parameters:
    ///   - allowedOwners: uids that may own the file and its folders (root and the agent's user).
    /// - Throws: ``PluginRefusal`` naming the failed rule.
    static func open(path: String, allowedOwners: Set<uid_t>) throws(PluginRefusal) -> PluginFile {
        guard path.hasPrefix("/") else {
            throw PluginRefusal(.pathNotAbsolute, "plugin path '\(path)' must be absolute")
        }
        var st = stat()
        guard lstat(path, &st) == 0 else {
            throw PluginRefusal(.unreadable, "cannot stat '\(path)': \(errnoText())")
        }
        if (st.st_mode & S_IFMT) == S_IFLNK {
            throw PluginRefusal(.symlink, "'\(path)' is a symbolic link; point the config at the real file")
        }
        try checkFolders(of: path, allowedOwners: allowedOwners)
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code: PluginRefusal.Code = errno == ELOOP ? .symlink : .unreadable
            throw PluginRefusal(code, "cannot open '\(path)': \(errnoText())")
        }
        do throws(PluginRefusal) {
            guard fstat(fd, &st) == 0 else { throw PluginRefusal(.unreadable, "cannot fstat '\(path)': \(errnoText())") }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                throw PluginRefusal(.notRegularFile, "'\(path)' is not a regular file")
            }
            try checkOwnerAndMode(st, name: "'\(path)'", allowedOwners: allowedOwners)
            let digest = try hash(fd: fd, path: path)
            return PluginFile(fd: fd, sha256: digest)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// Maps exactly the bytes that were hashed: `dlopen("/proc/self/fd/N", RTLD_NOW|RTLD_LOCAL|
    /// RTLD_NODELETE)`.
    ///
    /// On success the descriptor is deliberately kept open for the life of the process: glibc
    /// recognises loaded objects by the name passed to `dlopen`, so if `N` were closed and reused
    /// by the next plugin, `dlopen("/proc/self/fd/N")` would return the FIRST plugin again. A
    /// never-closed descriptor keeps every plugin's name unique (and pins its inode). On failure
    /// the descriptor is closed (nothing was loaded under that name).
    func map() throws(PluginRefusal) -> UnsafeMutableRawPointer {
        guard let handle = dlopen("/proc/self/fd/\(fd)", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            close()
            throw PluginRefusal(.dlopenFailed, "the dynamic loader refused the file: \(why)")
        }
        return handle
    }

    /// Closes the descriptor (only for files that were not mapped; see ``map()``).
    func close() { _ = Glibc.close(fd) }

    /// SHA-256 of a whole file by path, for `plugins pin` / `verify` (no loading).
    static func sha256(path: String) throws(PluginRefusal) -> String {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginRefusal(.unreadable, "cannot open '\(path)': \(errnoText())") }
        defer { _ = Glibc.close(fd) }
        return try hash(fd: fd, path: path)
    }

    private static func hash(fd: Int32, path: String) throws(PluginRefusal) -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PluginRefusal(.unreadable, "cannot read '\(path)': \(errnoText())")
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += off_t(n)
        }
        return hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    /// Every folder from the file's up to `/` must be owned by an allowed owner and not be
    /// writable by group/others — except sticky root-owned folders such as `/tmp`.
    private static func checkFolders(of path: String, allowedOwners: Set<uid_t>) throws(PluginRefusal) {
        let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        guard let resolved = realpath(dir.isEmpty ? "/" : dir, nil) else {
            throw PluginRefusal(.unreadable, "cannot resolve the folder of '\(path)': \(errnoText())")
        }
        var current = String(cString: resolved)
        free(resolved)
        while true {
            var st = stat()
            guard stat(current, &st) == 0 else { throw PluginRefusal(.unreadable, "cannot stat '\(current)': \(errnoText())") }
            let sticky = st.st_mode & S_ISVTX != 0
            if !(sticky && st.st_uid == 0) {
                try checkOwnerAndMode(st, name: "folder '\(current)'", allowedOwners: allowedOwners)
            }
            if current == "/" { break }
            let parent = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
            current = parent.isEmpty ? "/" : parent
        }
    }

    /// The owner and write-permission rule shared by the file and its folders.
    private static func checkOwnerAndMode(_ st: stat, name: String, allowedOwners: Set<uid_t>) throws(PluginRefusal) {
        guard allowedOwners.contains(st.st_uid) else {
            throw PluginRefusal(.badOwner, "\(name) is owned by uid \(st.st_uid); only \(ownersText(allowedOwners)) may own plugins")
        }
        guard st.st_mode & (S_IWGRP | S_IWOTH) == 0 else {
            throw PluginRefusal(
                .insecurePermissions,
                "\(name) is writable by group or others (mode \(String(st.st_mode & 0o7777, radix: 8))); chmod go-w it")
        }
    }

    private static func ownersText(_ owners: Set<uid_t>) -> String {
        "uid " + owners.sorted().map(String.init).joined(separator: " or ")
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

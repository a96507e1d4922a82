// `struct stat` is declared by several Clang modules (Glibc, CDispatch, CoreFoundation); which
// copy the compiler picks differs between debug (CDispatch) and whole-module release builds
// (CoreFoundation), and MemberImportVisibility wants the picked one imported: import both.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CDispatch)
import CDispatch
#endif
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Whether a process holds the durable store's lock (`flock(LOCK_EX)` on `<store>/.lock`, taken
/// by the daemon's `DurableStore(exclusive: true)`), found without ever creating or writing
/// anything and without taking the lock from the daemon.
enum StoreLock {
    enum State: Equatable {
        /// No lock file, or nobody holds it.
        case free
        /// Held; the holder's pid when `/proc/locks` shows it.
        case held(pid: Int32?)
    }

    /// Probes with `flock(LOCK_SH | LOCK_NB)` on a read-only descriptor, released at once: it
    /// fails only while someone holds the exclusive lock.
    static func state(of lockPath: String) -> State {
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return .free }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return .free
        }
        guard errno == EWOULDBLOCK else { return .free }
        var st = stat()
        let inode = fstat(fd, &st) == 0 ? UInt64(st.st_ino) : 0
        return .held(pid: holder(inode: inode))
    }

    /// The pid of the FLOCK holder of `inode` in `/proc/locks`
    /// (`1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF`).
    private static func holder(inode: UInt64) -> Int32? {
        // harmless: the holder's pid only adds detail to "held"; nil reads "held by another process"
        guard inode != 0, let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.contains("->") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = Int32(fields[4]) else { continue }
            if let last = fields[5].split(separator: ":").last, UInt64(last) == inode { return pid }
        }
        return nil
    }
}

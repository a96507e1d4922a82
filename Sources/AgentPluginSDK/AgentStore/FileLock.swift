#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The exclusive `flock` that makes a folder one process's (the store's, the log's).
public enum FileLock {
    /// Takes the exclusive `flock` on `fd`, waiting up to `nanoseconds` for it.
    ///
    /// A lock that was just released can stay held for a moment: a child process spawned
    /// meanwhile by any thread holds a copy of the descriptor until its exec closes it
    /// (`O_CLOEXEC`), and a daemon that restarts meets its predecessor still exiting. (A test that
    /// reopened the log at once lost its file output that way while other tests spawned processes.)
    /// - Returns: false when another process still holds it at the deadline (or `flock` failed
    ///   otherwise); `errno` then says why.
    public static func exclusive(_ fd: Int32, within nanoseconds: Int64) -> Bool {
        func now() -> Int64 {
            var t = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t)
            return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
        }
        let deadline = now() + nanoseconds
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR, now() < deadline else {
                errno = err
                return false
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            nanosleep(&pause, nil)
        }
        return true
    }

    /// How long a process waits for a lock its predecessor (or a spawned child's copy) still holds.
    public static let takeOverWait: Int64 = 2_000_000_000
}

#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes with posix_spawn: stdin from /dev/null, stdout and stderr into one
/// pipe the loop reads, an empty signal mask and default dispositions (the loop blocks SIGCHLD
/// and SIGTERM, which the child must not inherit), its own process group (a Ctrl-C meant for
/// the sidecar reaches the sidecar, which then stops its children in order).
enum Spawner {
    struct Child {
        let pid: pid_t
        /// Read end of the child's stdout+stderr (nonblocking, close-on-exec).
        let output: Int32
    }

    /// Runs `argv` with `path` as the program and exactly `environment`.
    static func spawn(path: String, argv: [String], environment: [String]) throws(SpawnError) -> Child {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnError("pipe: \(errnoText(errno))") }
        // Not atomic like pipe2(O_CLOEXEC), but the only thread that spawns is this one (the loop).
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
            close(fds[1])
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else {
            close(fds[0])
            throw SpawnError("\(path): \(errnoText(rc))")
        }
        return Child(pid: pid, output: fds[0])
    }

    /// The first executable called `name` in `PATH` (plus the sbin folders), or nil.
    static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

struct SpawnError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

import Foundation

/// What a finished command left behind.
public struct CommandResult: Sendable {
    /// The exit status (128 + signal when killed).
    public let status: Int32
    /// Everything it wrote to stdout.
    public let stdout: String
    /// Everything it wrote to stderr.
    public let stderr: String

    /// Whether it exited with 0.
    public var succeeded: Bool { status == 0 }
}

/// Runs commands for test fixtures: no shell, output captured, a timeout after which the child
/// (and only it, by PID) is killed.
///
/// It uses `posix_spawn` and `waitpid` directly rather than Foundation's `Process`: under Swift
/// Testing every thread may have SIGCHLD blocked, and `Process.waitUntilExit()` then never
/// learns that the child exited. The child gets an empty signal mask and default signal
/// dispositions (dockerd started from here must still stop on SIGTERM), stdin from /dev/null, and
/// none of this process's other descriptors.
public enum CommandRunner {
    /// Runs `argv` (argv[0] is looked up in PATH plus the sbin folders) and waits.
    /// - Throws: ``DockerLabError`` when it cannot be started.
    public static func run(_ argv: [String], timeout: Double = 120) throws -> CommandResult {
        guard let first = argv.first else { throw DockerLabError("empty command") }
        let path = try locate(first)
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw DockerLabError("pipe failed: errno \(errno)") }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do {
            defer {
                close(outPipe[1])
                close(errPipe[1])
            }
            pid = try spawn(path, argv, stdout: outPipe[1], stderr: errPipe[1])
        } catch {
            close(outPipe[0])
            close(errPipe[0])
            throw error
        }
        let (out, err, timedOut) = drain(out: outPipe[0], err: errPipe[0], pid: pid, timeout: timeout)
        close(outPipe[0])
        close(errPipe[0])
        let raw = waitFor(pid)
        var status: Int32
        if raw & 0x7f == 0 {
            status = (raw >> 8) & 0xff  // exited
        } else {
            status = 128 + (raw & 0x7f)  // killed by a signal
        }
        if timedOut { status = 124 }
        return CommandResult(
            status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs `argv` and fails unless it exits with 0.
    /// - Returns: its stdout.
    @discardableResult
    public static func check(_ argv: [String], timeout: Double = 120) throws -> String {
        let r = try run(argv, timeout: timeout)
        guard r.succeeded else {
            throw DockerLabError("\(argv.joined(separator: " ")) exited with \(r.status): \(r.stderr)\(r.stdout)")
        }
        return r.stdout
    }

    /// Starts `argv` in the background with stdout and stderr appended to `log`, with the same
    /// hygiene as ``run(_:timeout:)`` (empty signal mask, default dispositions, stdin from
    /// /dev/null, no inherited descriptors). The caller owns the child: it must reap it.
    /// - Throws: ``DockerLabError`` when the log cannot be opened or the command cannot start.
    public static func spawnBackground(_ argv: [String], log: String) throws -> pid_t {
        guard let first = argv.first else { throw DockerLabError("empty command") }
        let path = try locate(first)
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DockerLabError("cannot open \(log): errno \(errno)") }
        defer { close(fd) }
        return try spawn(path, argv, stdout: fd, stderr: fd)
    }

    // MARK: spawning

    private static func spawn(_ path: String, _ argv: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // SwiftNIO opens its sockets without FD_CLOEXEC: close whatever else is open, or a
        // long-lived child (dockerd!) would hold test connections open after the test closed them.
        // (glibc ignores EBADF for a close action, so a descriptor closed meanwhile is harmless.)
        for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = ProcessInfo.processInfo.environment
        env["PATH"] = (env["PATH"] ?? "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin"
        let envStrings = env.map { "\($0.key)=\($0.value)" }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = envStrings.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else { throw DockerLabError("cannot run \(argv.joined(separator: " ")): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The descriptors open in this process now.
    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Reads both pipes to EOF; past the timeout, kills the child (by PID) and keeps reading.
    private static func drain(out: Int32, err: Int32, pid: pid_t, timeout: Double) -> ([UInt8], [UInt8], Bool) {
        var buffers: [[UInt8]] = [[], []]
        var open = [true, true]
        let fds = [out, err]
        let deadline = Date().addingTimeInterval(timeout)
        var killed = false
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open[0] || open[1] {
            var pollfds = (0..<2).filter { open[$0] }.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
            let waitMs = killed ? 1000 : max(0, Int32(deadline.timeIntervalSinceNow * 1000))
            let n = poll(&pollfds, nfds_t(pollfds.count), waitMs)
            if n == 0 {
                if killed { break }  // a grandchild keeps the pipe open; stop reading
                kill(pid, SIGKILL)
                killed = true
                continue
            }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            for p in pollfds where p.revents != 0 {
                let i = p.fd == out ? 0 : 1
                let got = chunk.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, 65536) }
                if got > 0 {
                    buffers[i] += chunk[0..<got]
                } else if got == 0 || errno != EINTR {
                    open[i] = false
                }
            }
        }
        return (buffers[0], buffers[1], killed)
    }

    private static func waitFor(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 0x7f }
        }
        return status
    }

    private static func locate(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw DockerLabError("\(name) not found in PATH")
    }
}

/// A fixture failure, with what to look at.
public struct DockerLabError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

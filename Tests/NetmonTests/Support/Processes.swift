import Foundation
import LabSupport

/// A process started in the background for a lab test (the sidecar, dnsmasq, a "container"
/// sleeper): stdout and stderr go to a log file; it is ended by its PID only.
final class BackgroundProcess: @unchecked Sendable {
    let pid: pid_t
    let argv: [String]
    let logPath: String
    private var reaped = false

    /// Starts `argv` (argv[0] looked up in PATH and the sbin folders) with an empty signal mask,
    /// default signal dispositions, stdin from /dev/null and none of this process's descriptors.
    init(_ argv: [String], log: String) throws {
        let path = try Self.locate(argv[0])
        self.argv = argv
        logPath = log
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        for fd in Self.openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = (env["PATH"] ?? "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin"
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else { throw DockerLabError("cannot start \(argv.joined(separator: " ")): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    /// Whether it has not exited yet (reaps it when it has).
    var isRunning: Bool {
        if reaped { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            reaped = true
            return false
        }
        return r == 0
    }

    /// Sends `signal`, waits up to `graceSeconds`, then SIGKILLs; always reaps. Returns the raw
    /// wait status (nil when it had already been reaped).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, graceSeconds: Double = 5) -> Int32? {
        guard !reaped else { return nil }
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(graceSeconds)
        var status: Int32 = 0
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) {
                reaped = true
                return status
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status
    }

    /// The log so far (for failure messages).
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { stop(signal: SIGKILL, graceSeconds: 1) }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
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

/// Whether a process exists and is not a zombie.
func processAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // "pid (comm) S ..." — the state follows the last ')'.
    guard let close = stat.lastIndex(of: ")") else { return false }
    let rest = stat[stat.index(after: close)...].drop { $0 == " " }
    return rest.first != "Z"
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if condition() { return true }
        usleep(50_000)
    } while Date() < deadline
    return condition()
}

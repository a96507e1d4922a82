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
        self.argv = argv
        logPath = log
        pid = try CommandRunner.spawnBackground(argv, log: log)
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
            usleep(20_000)  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
        return status
    }

    /// The log so far (for failure messages).
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { stop(signal: SIGKILL, graceSeconds: 1) }
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
        usleep(50_000)  // sleep-audit: poll (the interval of a wait with a deadline)
    } while Date() < deadline
    return condition()
}

import AgentCore
import AgentJSON
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Item 8 (optional): what the running daemon says about itself in `<state_dir>/health.json`
/// (``HealthReport``): is its pid alive, is it connected, did its self-check pass, is the file
/// fresh (the daemon rewrites it every 10 s). No file is fine: no daemon has run on this state
/// folder, or an older agent did.
enum DaemonCheck {
    /// A file older than this while its pid lives means the daemon stopped refreshing it.
    static let staleAfter: TimeInterval = 60

    static func run(stateDir: String, now: Date) -> CheckResult {
        let path = HealthReport.path(stateDirectory: stateDir)
        let bytes: [UInt8]
        do throws(CheckError) { bytes = try FileFacts.read(path, limit: 1 << 20) } catch {
            if error.code == .missing { return .ok(.daemon, "no daemon health file (\(path)): no daemon has run on this state folder") }
            return .warn(.daemon, "cannot read \(path): \(error.message)", fix: "run check as the agent's user (root)")
        }
        // handled: a file that is not a health report is a warning below
        guard let value = try? JSONParser.parse(bytes), let report = HealthReport(json: value) else {
            return .warn(
                .daemon, "\(path) is not a health report", fix: "remove it; the daemon writes a fresh one at its next start")
        }
        let who = "daemon pid \(report.pid) (version \(report.version), started \(report.startedAt))"
        guard isAlive(report.pid) else {
            return .warn(
                .daemon, "\(who) is not running (the health file is left from it)",
                fix: "start the agent (systemctl start orchestrator-agent, or its container) and look at its log for why it stopped")
        }
        if report.selfCheck == .failed {
            return .fail(
                .daemon, "\(who) failed its self-check: " + report.failures.joined(separator: "; "),
                fix: "fix what the plugins and store items report, then restart the agent")
        }
        if let updated = parseTime(report.updatedAt), now.timeIntervalSince(updated) > staleAfter {
            return .warn(
                .daemon, "\(who) has not refreshed \(path) since \(report.updatedAt)",
                fix: "the daemon may hang: look at its log, and restart it if it does not answer (vPLCs keep running)")
        }
        guard report.connected else {
            return .warn(
                .daemon, "\(who) runs but is not connected to the cloud"
                    + (report.connectedAt.map { " (last connected \($0))" } ?? " (never connected)"),
                fix: "see the cloud item; the daemon reconnects by itself once the cause is fixed")
        }
        return .ok(.daemon, "\(who) runs, self-check ok, connected since \(report.connectedAt ?? "?")")
    }

    /// Whether a process with `pid` exists (in this PID namespace).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// An ISO-8601 time with or without fractional seconds (`…:32.102871+00:00`, `…:32Z`).
    static func parseTime(_ text: String) -> Date? {
        var trimmed = text
        if let dot = text.firstIndex(of: ".") {
            let rest = text[text.index(after: dot)...]
            trimmed = String(text[..<dot]) + String(rest.drop { $0.isNumber })
        }
        // harmless: text that is not an ISO-8601 time reads as "no time" (the caller says so)
        return try? Date(trimmed, strategy: .iso8601)
    }
}

import AgentJSON
import FoundationEssentials

/// What a look at `<state_dir>/health.json` says about the agent (`orchestrator-agent status`,
/// which the installer's takeover waits on): connected with a passed self-check, or why not, with
/// a stable ``Kind`` that decides the exit status.
public struct HealthVerdict: Sendable, Equatable {
    /// The outcome (stable; `status` prints it and exits with ``exitStatus``).
    public enum Kind: String, Sendable {
        /// Connected to the cloud and the self-check passed. Exit 0.
        case connected
        /// A report of the right process, not connected (yet). Exit 4.
        case notConnected = "not_connected"
        /// A report of the right process whose self-check failed (a plugin or the store). Exit 4.
        case selfCheckFailed = "self_check_failed"
        /// No report to go by: no file, an unreadable one, or not a health report. Exit 5.
        case noReport = "no_report"
        /// A report of an earlier process: its `started_at` is before the `notBefore` given. Exit 5.
        case earlierProcess = "earlier_process"

        /// The exit status of `orchestrator-agent status` for this outcome.
        public var exitStatus: Int32 {
            switch self {
            case .connected: 0
            case .notConnected, .selfCheckFailed: 4
            case .noReport, .earlierProcess: 5
            }
        }
    }

    /// The outcome.
    public let kind: Kind
    /// What was seen, in words (`connected true, self_check ok`, `… is from an earlier process …`).
    public let note: String
    /// The report itself, when there was one.
    public let report: HealthReport?

    /// How much earlier than `notBefore` a report's `started_at` may be: a container engine records
    /// a container's start a moment after its process began.
    public static let startSlack: TimeInterval = 2

    /// Looks at `<stateDirectory>/health.json`. With `notBefore` (a process's start, e.g. the
    /// agent container's `State.StartedAt`), a report whose `started_at` is more than
    /// ``startSlack`` earlier is an earlier process's and does not count.
    public static func look(stateDirectory: String, notBefore: Date?) -> HealthVerdict {
        let path = HealthReport.path(stateDirectory: stateDirectory)
        guard let bytes = AtomicFile.contents(of: path) else { return HealthVerdict(kind: .noReport, note: "no \(path) yet", report: nil) }
        // handled: bytes that are not JSON are "not a health report" below
        guard let value = try? JSONParser.parse(bytes), let report = HealthReport(json: value) else {
            return HealthVerdict(kind: .noReport, note: "\(path) is not a health report", report: nil)
        }
        return judge(report, path: path, notBefore: notBefore)
    }

    /// The verdict on a report read from `path`.
    public static func judge(_ report: HealthReport, path: String, notBefore: Date?) -> HealthVerdict {
        if let notBefore {
            guard let started = parseTime(report.startedAt) else {
                return HealthVerdict(kind: .noReport, note: "\(path): started_at '\(report.startedAt.prefix(60))' is not an ISO 8601 time", report: report)
            }
            if started.addingTimeInterval(startSlack) < notBefore {
                return HealthVerdict(
                    kind: .earlierProcess,
                    note: "\(path) is from an earlier process (started_at \(report.startedAt), this one started \(notBefore.formatted(.iso8601)))",
                    report: report)
            }
        }
        let note = "connected \(report.connected), self_check \(report.selfCheck.rawValue)"
            + (report.failures.isEmpty ? "" : ": " + report.failures.joined(separator: "; "))
        if report.selfCheck != .ok { return HealthVerdict(kind: .selfCheckFailed, note: note, report: report) }
        return HealthVerdict(kind: report.connected ? .connected : .notConnected, note: note, report: report)
    }

    /// An ISO 8601 date-time with or without fractional seconds (`…:32.102871+00:00`, Docker's
    /// `…:32.123456789Z`, `…:32Z`); nil when it is not one.
    public static func parseTime(_ text: String) -> Date? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let rest = text[text.index(after: dot)...]
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let f = Double("0." + digits) else { return nil }
            fraction = f
            whole = String(text[..<dot]) + String(rest.dropFirst(digits.count))
        }
        // handled: text that is not an ISO 8601 time is nil, as documented
        guard let date = try? Date(whole, strategy: .iso8601) else { return nil }
        return date.addingTimeInterval(fraction)
    }
}

import AgentClock
import AgentJSON
import Logging
import Synchronization

/// When the daemon tells systemd it is ready (`READY=1`, once): at the transport's first report —
/// connected, or its first attempt failed (`error`, `disconnected`) — or at once when no
/// transport plugin runs, or after ``bound`` when the transport has said nothing by then (a
/// connect a firewall swallows), so `systemctl start` never waits on the cloud for longer. Every
/// later link change is a `STATUS=` line for `systemctl status`.
final class ServiceReadiness: Sendable {
    /// How long the first connection attempt may take before the daemon reports ready anyway.
    static let bound: Duration = .seconds(30)

    private let notifier: ServiceNotifier
    private let logger: Logger
    private let sentReady = Atomic<Bool>(false)

    init(notifier: ServiceNotifier, logger: Logger) {
        self.notifier = notifier
        self.logger = logger
    }

    /// A transport report (`connected`, `disconnected`, `error`; see `LinkObservers`).
    func linkChanged(_ kind: String, _ detail: JSONObject) {
        let reason = detail["reason"]?.stringValue.map { ": \($0)" } ?? ""
        switch kind {
        case "connected": ready(status: "connected to the cloud")
        case "error": ready(status: "connecting to the cloud; the last attempt failed\(reason)")
        case "disconnected": ready(status: "disconnected from the cloud\(reason); reconnecting")
        default: return
        }
    }

    /// `READY=1` the first time, with `status`; a `STATUS=` line after that.
    func ready(status: String) {
        let first = !sentReady.exchange(true, ordering: .acquiringAndReleasing)
        send((first ? ["READY=1"] : []) + ["STATUS=\(Self.oneLine(status))"])
        if first { logger.info("told the service manager the agent is ready", metadata: ["status": "\(status)"]) }
    }

    /// Waits ``bound`` on `clock`, then reports ready if nothing did yet (returns early when
    /// cancelled).
    func readyAfterBound(clock: any AgentClock) async {
        do { try await clock.sleep(for: Self.bound) } catch { return }
        if !sentReady.load(ordering: .acquiring) { ready(status: "still connecting to the cloud after \(Self.bound)") }
    }

    /// `RELOADING=1` (with `MONOTONIC_USEC`) before a SIGHUP reload.
    func reloading() { send(ServiceNotifier.reloadingAssignments() + ["STATUS=reloading the site config"]) }

    /// `READY=1` after a reload, saying how it ended.
    func reloaded(_ outcome: String) { send(["READY=1", "STATUS=\(Self.oneLine(outcome))"]) }

    /// `STOPPING=1` at the start of a graceful stop.
    func stopping() { send(["STOPPING=1", "STATUS=stopping"]) }

    private func send(_ assignments: [String]) {
        if let problem = notifier.send(assignments) {
            logger.warning("service manager not told \(assignments.first ?? ""): \(problem)")
        }
    }

    /// A status must stay one assignment: line breaks become spaces.
    static func oneLine(_ s: String) -> String {
        String(s.map { $0.isNewline ? " " : $0 }.prefix(400))
    }
}

import AgentJSON
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps `<state_dir>/health.json` (``HealthReport``) true while the daemon runs: written at
/// start, on every link change (`connected` / `disconnected` from the transport), and every
/// `interval` so readers can tell a stale file; at a graceful stop it is written once more with
/// `connected: false`. Write failures are logged, never fatal.
///
/// The self-check is decided once, at start: every plugin the site config lists loaded (plugins
/// on the deny list excepted) and the durable store opened (it did, or the ``Agent`` would not
/// exist).
public final class HealthReporter: Sendable {
    private struct State {
        var report: HealthReport
        var stopped = false
    }

    private let path: String
    private let agent: Agent
    private let state: Mutex<State>
    private let refresher = Mutex<Task<Void, Never>?>(nil)

    /// Starts reporting for `agent` (call once, from the daemon's start).
    public static func start(_ agent: Agent, interval: Duration = .seconds(10)) -> HealthReporter {
        let reporter = HealthReporter(agent: agent)
        agent.services.link.observe { [weak reporter] kind, _ in reporter?.linkChanged(kind) }
        reporter.write()
        let task = Task { [weak reporter] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)  // harmless: cancelled at stop, the loop then ends
                guard let reporter, !Task.isCancelled else { return }
                reporter.write()
            }
        }
        reporter.refresher.withLock { $0 = task }
        return reporter
    }

    init(agent: Agent) {
        self.agent = agent
        path = HealthReport.path(stateDirectory: agent.services.config.config.stateDirectory)
        let now = Dispatcher.isoNow()
        let failures = Self.selfCheckFailures(agent)
        state = Mutex(
            State(
                report: HealthReport(
                    pid: getpid(), version: AgentVersion.current, startedAt: now, connected: false, connectedAt: nil,
                    selfCheck: failures.isEmpty ? .ok : .failed, failures: failures, updatedAt: now)))
    }

    /// The report as last written.
    public var report: HealthReport { state.withLock { $0.report } }

    /// Stops the refresh and writes the final report (`connected: false`).
    public func stop() async {
        let task = refresher.withLock { t in
            let old = t
            t = nil
            return old
        }
        task?.cancel()
        await task?.value
        state.withLock {
            $0.report.connected = false
            $0.stopped = true
        }
        write(force: true)
    }

    /// The failed checks: one line per listed plugin that is not loaded (denied ones excepted).
    static func selfCheckFailures(_ agent: Agent) -> [String] {
        var out: [String] = []
        for p in agent.plugins {
            switch p.state {
            case .loaded: continue
            case .refused(let r) where r.code == .denied: continue
            default: out.append("plugin \(p.id): \(p.state)")
            }
        }
        return out
    }

    func linkChanged(_ kind: String) {
        let changed: Bool = state.withLock { s in
            guard !s.stopped else { return false }
            switch kind {
            case "connected":
                s.report.connected = true
                s.report.connectedAt = Dispatcher.isoNow()
                return true
            case "disconnected":
                guard s.report.connected else { return false }
                s.report.connected = false
                return true
            default: return false
            }
        }
        if changed { write() }
    }

    private func write(force: Bool = false) {
        let bytes: [UInt8]? = state.withLock { s in
            guard force || !s.stopped else { return nil }
            s.report.updatedAt = Dispatcher.isoNow()
            return JSONWriter.bytes(s.report.json)
        }
        guard let bytes else { return }
        do { try AtomicFile.replace(path, with: bytes) } catch {
            agent.services.logger.warning("health file not written", metadata: ["error": "\(error)"])
        }
    }
}

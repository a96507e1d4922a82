import AgentCore
import ArgumentParser
import FoundationEssentials

/// `orchestrator-agent status`: what the agent says about itself in `<state_dir>/health.json`
/// (docs/upgrade.md, "Health file"), and with `--wait-connected` a bounded wait until it says
/// connected (the installer's takeover gate; docs/installation.md).
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read the agent's health file: connected, self-check; optionally wait until connected.",
        discussion: """
            Reads <state_dir>/health.json, which the daemon writes (the state folder of --config, or \\
            --state-dir). With --not-before TIME (ISO 8601, e.g. a container's State.StartedAt) a \\
            report whose started_at is more than 2 s earlier is an earlier process's and does not \\
            count. With --wait-connected it looks once a second until the agent reports connected \\
            with a passed self-check, for at most --timeout seconds, saying on stderr every 15 s \\
            what it sees.
            Prints `status: <code>` (connected, not_connected, self_check_failed, no_report, \\
            earlier_process) and `seen: …`, then the report's pid, version, started_at and \\
            connected_at when there is one.
            Exit status: 0 connected and self-check ok; 4 the agent reports but is not connected or \\
            its self-check failed; 5 no report to go by (no file, not a health report, an earlier \\
            process's); 64 a usage error. With --wait-connected, the status of the last look.
            """)

    @Option(name: .shortAndLong, help: "Site config file (JSON): its state_dir holds health.json.")
    var config: String?

    @Option(help: "The agent's state folder (instead of --config's state_dir).")
    var stateDir: String?

    @Option(help: "Count only a report of a process started at or after this time (ISO 8601), less 2 s.")
    var notBefore: String?

    @Flag(help: "Wait until the agent reports connected with a passed self-check.")
    var waitConnected = false

    @Option(help: "With --wait-connected: the longest wait, in seconds.")
    var timeout: Int = 120

    func validate() throws {
        guard (config == nil) != (stateDir == nil) else { throw ValidationError("give one of --config and --state-dir") }
        guard (1...99_999).contains(timeout) else { throw ValidationError("--timeout must be 1…99999 seconds") }
        if let notBefore, HealthVerdict.parseTime(notBefore) == nil {
            throw ValidationError("--not-before '\(notBefore)' is not an ISO 8601 time")
        }
    }

    func run() async throws {
        let folder: String
        if let stateDir {
            folder = stateDir
        } else {
            do throws(AgentCoreError) { folder = try SiteConfig.load(path: config ?? "").stateDirectory } catch {
                StandardStreams.writeError("error: \(error.code): \(error.message)\n")
                throw ExitCode(64)
            }
        }
        let since = notBefore.flatMap(HealthVerdict.parseTime)
        var verdict = HealthVerdict.look(stateDirectory: folder, notBefore: since)
        if waitConnected {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(timeout))
            var nextNote = clock.now.advanced(by: .seconds(15))
            while verdict.kind != .connected, clock.now < deadline {
                if clock.now >= nextNote {
                    StandardStreams.writeError("still waiting: \(verdict.note)\n")
                    nextNote = clock.now.advanced(by: .seconds(15))
                }
                try await Task.sleep(for: .seconds(1))
                verdict = HealthVerdict.look(stateDirectory: folder, notBefore: since)
            }
        }
        print("status: \(verdict.kind.rawValue)")
        print("seen: \(verdict.note)")
        if let report = verdict.report {
            print("pid: \(report.pid)")
            print("version: \(report.version)")
            print("started_at: \(report.startedAt)")
            print("connected_at: \(report.connectedAt ?? "never")")
        }
        if verdict.kind != .connected { throw ExitCode(verdict.kind.exitStatus) }
    }
}

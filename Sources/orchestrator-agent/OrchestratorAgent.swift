import AgentCore
import ArgumentParser
import Logging

/// `orchestrator-agent`: the edge agent daemon and its local operator commands.
@main
struct OrchestratorAgent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator-agent",
        abstract: "Edge agent that runs OpenPLC runtime containers for the cloud, built from C-ABI plugins.",
        version: Agent.version,
        subcommands: [
            Run.self, Plugins.self, Invoke.self, Ctl.self, Adopt.self, AuditCommand.self, UpgradeHelper.self, Check.self, Enroll.self,
            SiteConfigCommand.self, Status.self,
        ]
    )

    /// Entry point: unblock the lifecycle signals on the main thread first (see `SignalMask`),
    /// then parse and run as usual.
    static func main() async {
        SignalMask.unblockLifecycleSignals()
        // `--version --verbose`: what a plugin must match (the plain `--version` stays one line).
        if Set(CommandLine.arguments.dropFirst()) == ["--version", "--verbose"] {
            print(PluginCompatibility.report)
            return
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// Options shared by commands that build an agent from a site config.
struct CommonOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Site config file (JSON).")
    var config: String

    @Option(
        name: .shortAndLong,
        help: "Log level: trace, debug, info, notice, warning, error, critical (default: notice; run: logging.level, else info).")
    var logLevel: String?

    /// The one-shot commands' logger: standard error only, at `--log-level` (default notice).
    func makeLogger(label: String = "orchestrator-agent") throws -> Logger {
        let logLevel = self.logLevel ?? "notice"
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}

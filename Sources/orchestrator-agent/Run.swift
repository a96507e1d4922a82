import AgentCore
import ArgumentParser
import Logging
import ServiceLifecycle
import UnixSignals

/// `orchestrator-agent run --config FILE`: the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent until SIGTERM/SIGINT (SIGHUP reloads topic and feature toggles).")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        SignalMask.unblockLifecycleSignals()
        var options = options
        if options.logLevel == "notice" { options.logLevel = "info" }
        let logger = try options.makeLogger()
        let agent = try Agent(configPath: options.config, logger: logger, mode: .daemon)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: AgentDaemon(agent: agent))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

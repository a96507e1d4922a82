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

    @Option(help: "Log format for this run: plain or json (default: the config's logging.format, else plain).")
    var logFormat: String?

    func run() async throws {
        SignalMask.unblockLifecycleSignals()
        // Logs: stdout + <state_dir>/logs/agent.log as the config's `logging` says; flags win.
        let site = try SiteConfig.load(path: options.config)
        let logging = try LogSettings.parse(site.raw).overriding(level: options.logLevel, format: logFormat)
        _ = try MetricsSettings.parse(site.raw)  // a bad `metrics` section stops us before any plugin loads
        let log = DaemonLog.open(settings: logging, stateDirectory: site.stateDirectory)
        defer { log.sink.close() }
        let logger = log.logger
        let agent = try Agent(config: ConfigSource(site, path: options.config), logger: logger, mode: .daemon)
        // Prometheus text on loopback while features.metrics_endpoint is on (follows reloads).
        let metrics = try MetricsEndpoint.install(agent)
        defer { metrics.stop() }
        // Audit trail and local door before the transport starts (the daemon starts it).
        let operatorServices = try OperatorServices(agent: agent, openDoor: true)
        defer { operatorServices.close() }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: AgentDaemon(agent: agent))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

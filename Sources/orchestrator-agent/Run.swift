import NIOCore
import AgentCore
import ArgumentParser
import FoundationEssentials
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `orchestrator-agent run --config FILE`: the daemon. Under systemd (`NOTIFY_SOCKET` set, the
/// unit `Type=notify`) it sends the notify protocol's `READY=1`, `RELOADING=1`, `STOPPING=1` and,
/// with `WatchdogSec=`, `WATCHDOG=1` (docs/installation.md, "Package and systemd").
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the agent until SIGTERM/SIGINT (SIGHUP reloads topic and feature toggles).",
        discussion: """
            Under systemd (Type=notify) it reports READY=1 once connected to the cloud or after its \
            first attempt, RELOADING=1/READY=1 around a SIGHUP reload, STOPPING=1, and WATCHDOG=1 \
            every half WatchdogSec while its event loop turns.
            """)

    @OptionGroup var options: CommonOptions

    @Option(help: "Log format for this run: plain or json (default: the config's logging.format, else plain).")
    var logFormat: String?

    func run() async throws {
        SignalMask.unblockLifecycleSignals()
        // One event loop group for the whole process, sized before anything uses it.
        ServerEventLoops.sizeProcessGroup()
        // systemd's notify socket, read (and taken out of the environment) before anything starts.
        let notifier = try ServiceNotifier.fromEnvironment(ProcessInfo.processInfo.environment)
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(name) }
        // Logs: stdout + <state_dir>/logs/agent.log as the config's `logging` says; flags win.
        let site = try SiteConfig.load(path: options.config)
        let logging = try LogSettings.parse(site.raw).overriding(level: options.logLevel, format: logFormat)
        _ = try MetricsSettings.parse(site.raw)  // a bad `metrics` section stops us before any plugin loads
        let log = DaemonLog.open(settings: logging, stateDirectory: site.stateDirectory)
        defer { log.sink.close() }
        let logger = log.logger
        // The core's servers (metrics endpoint, local door) and its clock schedulers (dispatcher
        // deadlines, audit group commits) run on the process's event loop group.
        let loops = ServerEventLoops.shared
        let agent = try Agent(
            config: ConfigSource(site, path: options.config), logger: logger, mode: .daemon,
            timerExecutor: EventLoopTaskExecutor(loops.group.next()))
        // Prometheus text on loopback while features.metrics_endpoint is on (follows reloads).
        let metrics = try MetricsEndpoint.install(agent, loops: loops)
        // Audit trail and local door before the transport starts (the daemon starts it).
        let operatorServices: OperatorServices
        do { operatorServices = try OperatorServices(agent: agent, openDoor: true, loops: loops) } catch {
            metrics.stop()
            throw error
        }
        // Graceful shutdown runs in reverse order: the door closes first, then the metrics
        // endpoint, then the daemon stops the transport and the plugins.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The watchdog first, so that it stops last and pings while the others stop.
        if let notifier, let period = notifier.watchdogInterval {
            let watchdog = SystemdWatchdog(
                notifier: notifier, period: period, loops: loops, clock: agent.services.clock, logger: logger)
            services.append(.init(service: watchdog))
        }
        services += [
            .init(service: AgentDaemon(agent: agent, notifier: notifier)), .init(service: metrics),
            // Code pages the daemon no longer runs go back to the page cache, 30 s after start and
            // then every minute (a service that ends by itself if /proc cannot be read).
            .init(service: CodeTrim(services: agent.services), successTerminationBehavior: .ignore),
        ]
        if let door = operatorServices.door { services.append(.init(service: door)) }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var failure: (any Error)? = nil
        do { try await group.run() } catch { failure = error }
        // Both have stopped with their services already; this is for a group that failed early.
        operatorServices.close()
        metrics.stop()
        if let failure { throw failure }
    }
}

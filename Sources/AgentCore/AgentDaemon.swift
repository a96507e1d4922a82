import Logging
import ServiceLifecycle
import UnixSignals

/// The long-running agent as a swift-service-lifecycle `Service`: starts the transport (if a
/// plugin registered one) with inbound commands routed to the dispatcher, reloads the site
/// config on SIGHUP, and on graceful shutdown (SIGTERM/SIGINT) stops the transport and shuts the
/// plugins down.
///
/// With a ``ServiceNotifier`` (run under systemd, `Type=notify`) it also tells the service
/// manager `READY=1` (see ``ServiceReadiness``), `RELOADING=1` … `READY=1` around each reload and
/// `STOPPING=1` when the graceful stop begins.
public struct AgentDaemon: Service {
    let agent: Agent
    let readiness: ServiceReadiness?

    /// The daemon of `agent`; `notifier` when a service manager waits for its notifications.
    public init(agent: Agent, notifier: ServiceNotifier? = nil) {
        self.agent = agent
        self.readiness = notifier.map { ServiceReadiness(notifier: $0, logger: agent.services.logger) }
    }

    public func run() async throws {
        let logger = agent.services.logger
        // Before the transport, so the first `connected` is seen (health.json, docs/upgrade.md).
        let health = HealthReporter.start(agent)
        if let readiness { agent.services.link.observe { kind, detail in readiness.linkChanged(kind, detail) } }
        let transport = TransportControl.start(agent)
        var bound: Task<Void, Never>?
        if let readiness {
            if transport.pluginID == nil {
                readiness.ready(status: "running without a cloud transport")
            } else {
                let clock = agent.services.clock
                bound = Task { await readiness.readyAfterBound(clock: clock) }
            }
        }
        logger.notice(
            "agent running",
            metadata: [
                "version": "\(Agent.version)",
                "plugins_loaded": "\(agent.plugins.filter { $0.state == .loaded }.count)/\(agent.plugins.count)",
                "transport": "\(transport.pluginID ?? "none")",
            ])
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                readiness?.reloading()
                do throws(AgentCoreError) {
                    let outcome = try agent.reloadConfig()
                    readiness?.reloaded(outcome.pluginsChanged ? "site config reloaded; plugin changes wait for a restart" : "site config reloaded")
                } catch {
                    logger.error("config reload refused: \(error)")
                    readiness?.reloaded("site config reload refused, the previous one stays: \(error.message)")
                }
            }
        } onGracefulShutdown: {
            logger.notice("graceful shutdown requested")
            readiness?.stopping()
        }
        bound?.cancel()
        // The transport stops first: no new commands come in while the plugins shut down.
        await transport.stop(within: 10)
        await health.stop()
        await agent.shutdown()
        logger.notice("agent stopped")
    }
}

import Logging
import ServiceLifecycle
import UnixSignals

/// The long-running agent as a swift-service-lifecycle `Service`: starts the transport (if a
/// plugin registered one) with inbound commands routed to the dispatcher, reloads the site
/// config on SIGHUP, and on graceful shutdown (SIGTERM/SIGINT) stops the transport and shuts the
/// plugins down.
public struct AgentDaemon: Service {
    let agent: Agent

    public init(agent: Agent) { self.agent = agent }

    public func run() async throws {
        let logger = agent.services.logger
        // Before the transport, so the first `connected` is seen (health.json, docs/upgrade.md).
        let health = HealthReporter.start(agent)
        let transport = TransportControl.start(agent)
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
                do { try agent.reloadConfig() } catch { logger.error("config reload refused: \(error)") }
            }
        } onGracefulShutdown: {
            logger.notice("graceful shutdown requested")
        }
        // The transport stops first: no new commands come in while the plugins shut down.
        await transport.stop(within: 10)
        await health.stop()
        await agent.shutdown()
        logger.notice("agent stopped")
    }
}

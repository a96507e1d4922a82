import AgentJSON
import CAgentABI
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
        let transport = startTransport()
        logger.notice(
            "agent running",
            metadata: [
                "version": "\(Agent.version)",
                "plugins_loaded": "\(agent.plugins.filter { $0.state == .loaded }.count)/\(agent.plugins.count)",
                "transport": "\(transport?.pluginID ?? "none")",
            ])
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await withGracefulShutdownHandler {
            for await _ in hangups.cancelOnGracefulShutdown() {
                do { try agent.reloadConfig() } catch { logger.error("config reload refused: \(error)") }
            }
        } onGracefulShutdown: {
            logger.notice("graceful shutdown requested")
        }
        if let transport { await stopTransport(transport) }
        await agent.shutdown()
        logger.notice("agent stopped")
    }

    /// Stops the transport first (no new commands come in while plugins shut down) and waits for
    /// it, at most 10 s.
    private func stopTransport(_ entry: ProtocolRegistry.Entry) async {
        let vt = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_transport_v1.self)
        guard let stop = vt.pointee.stop else { return }
        let pending = PendingRequest()
        stop(entry.instance, hostRequestDone, Unmanaged.passRetained(pending).toOpaque())
        let timeout = Task {
            try? await Task.sleep(for: .seconds(10))
            pending.resolve(.timedOut)
        }
        if case .timedOut = await withCheckedContinuation({ pending.wait($0) }) {
            agent.services.logger.warning("the transport did not stop within 10 s; shutting plugins down anyway")
        }
        timeout.cancel()
    }

    /// Starts the first registered transport with the site config's `cloud` section.
    private func startTransport() -> ProtocolRegistry.Entry? {
        guard let entry = agent.services.registry.lookup(AGENT_PROTOCOL_TRANSPORT) else { return nil }
        let vt = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_transport_v1.self)
        let cloud = JSONWriter.bytes(agent.services.config.config.value(at: "cloud") ?? .object(JSONObject()))
        let host = agent.services.config.config.value(at: "cloud.host")?.stringValue ?? "unknown"
        let ctx = Unmanaged.passRetained(
            InboundRouter(dispatcher: agent.dispatcher, logger: agent.services.logger, defaultPeer: host))
        let status = cloud.withUnsafeBufferPointer { c in
            vt.pointee.start?(
                entry.instance, agent_bytes(ptr: c.baseAddress, len: c.count), transportInbound, ctx.toOpaque(),
                transportState, ctx.toOpaque()) ?? Int32(AGENT_E_UNSUPPORTED)
        }
        guard status == Int32(AGENT_OK) else {
            agent.services.logger.error("transport '\(entry.pluginID)' refused to start (status \(status))")
            return nil
        }
        return entry
    }
}

import AgentJSON
import CAgentABI
import Logging

/// Starts and stops the registered transport (the first plugin that registered
/// `agent.transport`), with inbound commands routed to the dispatcher and connection-state
/// reports handed to the link observers. Used by the daemon and by `check`'s cloud probe.
public struct TransportControl: Sendable {
    let agent: Agent
    /// The transport in use, or nil when no plugin registered one or it refused to start.
    public let pluginID: String?
    let entry: ProtocolRegistry.Entry?

    /// Starts the transport with the site config's `cloud` section.
    public static func start(_ agent: Agent) -> TransportControl {
        guard let entry = agent.services.registry.lookup(AGENT_PROTOCOL_TRANSPORT) else {
            return TransportControl(agent: agent, pluginID: nil, entry: nil)
        }
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
            return TransportControl(agent: agent, pluginID: nil, entry: nil)
        }
        return TransportControl(agent: agent, pluginID: entry.pluginID, entry: entry)
    }

    /// Stops the transport (no new commands come in) and waits for it, at most `seconds`.
    public func stop(within seconds: Int = 10) async {
        guard let entry else { return }
        let vt = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_transport_v1.self)
        guard let stop = vt.pointee.stop else { return }
        let pending = PendingRequest()
        stop(entry.instance, hostRequestDone, Unmanaged.passRetained(pending).toOpaque())
        let timeout = Task {
            try? await Task.sleep(for: .seconds(seconds))  // harmless: cancelled once the transport stopped
            pending.resolve(.timedOut)
        }
        if case .timedOut = await withCheckedContinuation({ pending.wait($0) }) {
            agent.services.logger.warning("the transport did not stop within \(seconds) s; going on")
        }
        timeout.cancel()
    }
}

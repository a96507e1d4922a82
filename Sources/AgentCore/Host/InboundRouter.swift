import AgentJSON
import CAgentABI
import Logging
import Synchronization

/// Receives what the transport delivers: commands (dispatched, answered through `reply`) and
/// connection-state events (logged, handed to the link observers; a `connected` report's
/// `peer_cn` names the cloud in the audit log). Retained for the life of the process.
final class InboundRouter: Sendable {
    let dispatcher: Dispatcher
    let logger: Logger
    private let peerName: Mutex<String>

    init(dispatcher: Dispatcher, logger: Logger, defaultPeer: String) {
        self.dispatcher = dispatcher
        self.logger = logger
        self.peerName = Mutex(defaultPeer)
    }

    /// The cloud's name for the audit log: its certificate CN once connected, else the host.
    var peer: String { peerName.withLock { $0 } }

    func linkState(kind: String, detail: JSONObject) {
        if kind == "connected", let cn = detail["peer_cn"]?.stringValue, !cn.isEmpty {
            peerName.withLock { $0 = cn }
        }
        dispatcher.services.link.notify(kind: kind, detail: detail)
    }
}

let transportInbound:
    @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?)
        -> Void = { ctx, topic, payload, reply, replyCtx in
            guard let ctx else { return }
            let router = Unmanaged<InboundRouter>.fromOpaque(ctx).takeUnretainedValue()
            let name = HostBytes.string(topic)
            let bytes = HostBytes.copy(payload)
            let replyTo = UnsafeSendable((reply, replyCtx))
            let origin = CommandOrigin.cloud(peer: router.peer)
            Task {
                let response = await router.dispatcher.dispatch(topic: name, payload: bytes, origin: origin)
                if let reply = replyTo.value.0 {
                    reply(replyTo.value.1, Int32(AGENT_OK), HostBytes.owned(.object(response)))
                }
            }
        }

let transportState: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Void = { ctx, kind, payload in
    guard let ctx else { return }
    let router = Unmanaged<InboundRouter>.fromOpaque(ctx).takeUnretainedValue()
    let name = HostBytes.string(kind)
    router.logger.info("transport state: \(name)", metadata: ["detail": "\(HostBytes.string(payload))"])
    router.linkState(kind: name, detail: HostBytes.parse(payload)?.objectValue ?? JSONObject())
}

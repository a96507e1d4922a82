import AgentJSON
import CAgentABI
import Logging

/// Receives what the transport delivers: commands (dispatched, answered through `reply`) and
/// connection-state events (logged). Retained for the life of the process.
final class InboundRouter: Sendable {
    let dispatcher: Dispatcher
    let logger: Logger

    init(dispatcher: Dispatcher, logger: Logger) {
        self.dispatcher = dispatcher
        self.logger = logger
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
            Task {
                let response = await router.dispatcher.dispatch(topic: name, payload: bytes)
                if let reply = replyTo.value.0 {
                    reply(replyTo.value.1, Int32(AGENT_OK), HostBytes.owned(.object(response)))
                }
            }
        }

let transportState: @convention(c) (UnsafeMutableRawPointer?, agent_bytes, agent_bytes) -> Void = { ctx, kind, payload in
    guard let ctx else { return }
    let router = Unmanaged<InboundRouter>.fromOpaque(ctx).takeUnretainedValue()
    router.logger.info("transport state: \(HostBytes.string(kind))", metadata: ["detail": "\(HostBytes.string(payload))"])
}

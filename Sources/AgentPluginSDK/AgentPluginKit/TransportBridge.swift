import AgentJSON
import CAgentABI
import Synchronization

/// Boxes a plugin's ``TransportProvider`` behind `agent_transport_v1`. The vtable's instance
/// pointer is a retained `TransportBox` (never released: the registry may hold it until exit).
final class TransportBox: Sendable {
    let provider: any TransportProvider
    init(_ provider: any TransportProvider) { self.provider = provider }

    static func from(_ raw: UnsafeMutableRawPointer?) -> TransportBox? {
        raw.map { Unmanaged<TransportBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The vtable shared by every Swift transport (allocated once per library).
nonisolated(unsafe) let transportVTable: UnsafeMutablePointer<agent_transport_v1> = {
    let vt = UnsafeMutablePointer<agent_transport_v1>.allocate(capacity: 1)
    vt.initialize(
        to: agent_transport_v1(
            header: agent_vtable_header(
                struct_size: UInt32(MemoryLayout<agent_transport_v1>.size), protocol_major: 1, protocol_minor: 0),
            start: transportStart, send: transportSend, reconnect_now: transportReconnect, stop: transportStop,
            invoke: transportInvoke))
    return vt
}()

private let transportStart:
    @convention(c) (
        UnsafeMutableRawPointer?, agent_bytes, agent_inbound_fn?, UnsafeMutableRawPointer?, agent_event_fn?,
        UnsafeMutableRawPointer?
    ) -> Int32 = { raw, configBytes, onInbound, inboundCtx, onState, stateCtx in
        guard let box = TransportBox.from(raw), let onInbound, let onState else { return ABI.invalidArgument }
        // handled: a config that is not a JSON object is refused (invalid_argument), never read as {}.
        guard let config = (try? JSONParser.parse(Bytes.copy(configBytes)))?.objectValue else { return ABI.invalidArgument }
        let inbound = Unchecked((onInbound, inboundCtx))
        let state = Unchecked((onState, stateCtx))
        let link = TransportLink(
            inbound: { topic, payload, reply in
                let replyBox = reply.map { Unmanaged.passRetained(ReplyBox($0)) }
                Bytes.withBorrowed(topic) { t in
                    Bytes.withBorrowed(payload) { p in
                        inbound.value.0(
                            inbound.value.1, t, p, replyBox == nil ? nil : replyDone, replyBox?.toOpaque())
                    }
                }
            },
            state: { kind, detail in
                Bytes.withBorrowed(kind) { k in
                    Bytes.withBorrowed(JSONWriter.bytes(.object(detail))) { d in state.value.0(state.value.1, k, d) }
                }
            })
        do throws(PluginError) {
            try box.provider.start(config: config, link: link)
            return ABI.ok
        } catch {
            return error.status
        }
    }

/// Holds the Swift reply closure for one acked inbound command.
private final class ReplyBox: Sendable {
    let reply: @Sendable ([UInt8]) -> Void
    init(_ reply: @escaping @Sendable ([UInt8]) -> Void) { self.reply = reply }
}

private let replyDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, _, body in
    let bytes = Bytes.take(body)
    guard let ctx else { return }
    Unmanaged<ReplyBox>.fromOpaque(ctx).takeRetainedValue().reply(bytes)
}

private let transportSend:
    @convention(c) (
        UnsafeMutableRawPointer?, agent_bytes, agent_bytes, UInt64, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { raw, topicBytes, payloadBytes, flags, done, doneCtx in
        guard let box = TransportBox.from(raw) else { return ABI.invalidArgument }
        let topic = Bytes.string(topicBytes)
        // handled: a payload that is not a JSON object is refused with invalid_argument.
        guard !topic.isEmpty, let payload = (try? JSONParser.parse(Bytes.copy(payloadBytes)))?.objectValue else {
            return ABI.invalidArgument
        }
        let completion = done.map { Completion(done: $0, ctx: doneCtx) }
        // Synchronous hand-off: the provider fixes the event's place in the order now.
        box.provider.send(topic: topic, payload: payload, queue: flags & UInt64(AGENT_SEND_QUEUE) != 0) { error in
            if let error { completion?.fire(error.status, error.json) } else { completion?.fire(ABI.ok, .object([:])) }
        }
        return ABI.ok
    }

private let transportReconnect: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
    TransportBox.from(raw)?.provider.reconnectNow()
}

private let transportStop: @convention(c) (UnsafeMutableRawPointer?, agent_completion_fn?, UnsafeMutableRawPointer?) -> Void = {
    raw, done, doneCtx in
    guard let box = TransportBox.from(raw) else { return }
    let completion = done.map { Completion(done: $0, ctx: doneCtx) }
    let provider = box.provider
    Task {
        await provider.stop()
        completion?.fire(ABI.ok, .object([:]))
    }
}

private let transportInvoke:
    @convention(c) (
        UnsafeMutableRawPointer?, UInt64, agent_bytes, agent_bytes, agent_completion_fn?, UnsafeMutableRawPointer?
    ) -> Int32 = { raw, _, methodBytes, paramsBytes, done, doneCtx in
        guard let box = TransportBox.from(raw), let done else { return ABI.invalidArgument }
        let provider = box.provider
        return bridgeInvoke(methodBytes, paramsBytes, done, doneCtx) { method, params throws(PluginError) in
            try await provider.invoke(method: method, params: params)
        }
    }

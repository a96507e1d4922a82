import AgentClock
import AgentContracts
import AgentJSON
import CAgentABI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Routes one inbound message to its topic handler and builds the response — the single path
/// for the cloud (through the transport) and for `orchestrator-agent invoke`.
///
/// Order of checks: JSON → object → known topic → enabled → defaults → contract → handler (with
/// a per-topic timeout and cancellation) → response envelope. Every failure is answered with a
/// typed error response; nothing here traps on input. Thread-safe; `dispatch` may run
/// concurrently for any number of messages.
public final class Dispatcher: Sendable {
    let services: AgentServices
    private let nextRequestID = Atomic<UInt64>(1)
    private let late = Atomic<Int>(0)
    /// Per-request timeouts, on the services' clock.
    private let deadlines: ClockScheduler

    /// Handler completions that arrived after their request had timed out or was cancelled
    /// (released and dropped; for diagnostics and tests).
    public var lateCompletions: Int { late.load(ordering: .acquiring) }

    public init(services: AgentServices) {
        self.services = services
        deadlines = ClockScheduler(clock: services.clock, executor: services.timerExecutor)
    }

    /// Dispatches a message given as JSON bytes. Every outcome, success or error, is handed to
    /// the command observers (audit, metrics) with `origin` before it is returned.
    public func dispatch(topic: String, payload: [UInt8], origin: CommandOrigin = .cli(uid: getuid())) async -> JSONObject {
        let started = services.clock.now
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(payload) } catch {
            let response = Response.error(
                action: topic, correlationID: .null, code: "invalid_json", message: "Invalid message: \(error.message)")
            observe(origin: origin, topic: topic, message: nil, response: response, since: started)
            return response
        }
        let response = await route(topic: topic, message: parsed, origin: origin)
        observe(origin: origin, topic: topic, message: parsed, response: response, since: started)
        return response
    }

    /// Dispatches an already parsed message (observed like ``dispatch(topic:payload:origin:)``).
    public func dispatch(topic: String, message: JSONValue, origin: CommandOrigin = .cli(uid: getuid())) async -> JSONObject {
        let started = services.clock.now
        let response = await route(topic: topic, message: message, origin: origin)
        observe(origin: origin, topic: topic, message: message, response: response, since: started)
        return response
    }

    private func observe(origin: CommandOrigin, topic: String, message: JSONValue?, response: JSONObject, since: ClockInstant) {
        let seconds = (services.clock.now - since).seconds
        services.commands.notify(
            CommandRecord(
                origin: origin, topic: topic, message: message, response: response, seconds: seconds, readOnly: isReadOnly(topic)))
    }

    /// Whether `topic`'s contract says it only reads (false for an unknown topic).
    private func isReadOnly(_ topic: String) -> Bool {
        if let core = services.coreTopics.lookup(topic) { return core.contract.readOnly }
        return services.registry.lookup(AGENT_PROTOCOL_TOPIC_HANDLER, name: topic)?.contract?.readOnly ?? false
    }

    private func route(topic: String, message: JSONValue, origin: CommandOrigin) async -> JSONObject {
        guard var object = message.objectValue else {
            return Response.error(
                action: topic, correlationID: .null, code: "invalid_payload",
                message: "Invalid message: payload must be a JSON object, got \(message.kindName)")
        }
        let correlationID = Response.correlationID(of: object)
        if let core = services.coreTopics.lookup(topic) {
            return await callCore(core, message: object, origin: origin, correlationID: correlationID)
        }
        guard let entry = services.registry.lookup(AGENT_PROTOCOL_TOPIC_HANDLER, name: topic), !topic.isEmpty else {
            return Response.error(
                action: topic, correlationID: correlationID, code: "unknown_topic",
                message: unknownTopicMessage(topic))
        }
        let config = services.config.config
        guard config.isTopicEnabled(topic) else {
            return Response.error(
                action: topic, correlationID: correlationID, code: "disabled",
                message: config.disabledReason(topic))
        }
        switch TopicEnvelope.prepare(topic: topic, message: object, addDefaults: entry.addDefaults, contract: entry.contract) {
        case .success(let prepared): object = prepared
        case .failure(let refusal): return refusal.response
        }
        let timeout = config.timeoutMilliseconds(for: topic)
        let outcome = await call(entry, topic: topic, message: object, timeoutMilliseconds: timeout)
        return respond(outcome, topic: topic, correlationID: correlationID, timeout: timeout)
    }

    /// Answers a core topic: enabled check (unless it may not be disabled), defaults, contract,
    /// handler, envelope.
    private func callCore(_ core: CoreTopic, message: JSONObject, origin: CommandOrigin, correlationID: JSONValue) async
        -> JSONObject
    {
        let topic = core.name
        guard !core.mayBeDisabled || services.config.config.isTopicEnabled(topic) else {
            return Response.error(
                action: topic, correlationID: correlationID, code: "disabled",
                message: services.config.config.disabledReason(topic))
        }
        let object: JSONObject
        switch TopicEnvelope.prepare(topic: topic, message: message, addDefaults: true, contract: core.contract) {
        case .success(let prepared): object = prepared
        case .failure(let refusal): return refusal.response
        }
        do {
            return Response.success(action: topic, correlationID: correlationID, result: try await core.handler(object, origin))
        } catch {
            return Response.error(
                action: topic, correlationID: correlationID, code: error.code, message: error.message, field: error.field)
        }
    }

    /// Calls the handler through its C vtable and waits for the outcome.
    private func call(_ entry: ProtocolRegistry.Entry, topic: String, message: JSONObject, timeoutMilliseconds: Int) async
        -> PendingRequest.Outcome
    {
        let vtable = UnsafeRawPointer(entry.vtable).assumingMemoryBound(to: agent_topic_handler_v1.self)
        let id = nextRequestID.add(1, ordering: .relaxed).oldValue
        let pending = PendingRequest { [self] in _ = late.add(1, ordering: .releasing) }
        let target = UnsafeSendable((vtable, entry.instance))
        let cancelHandler: @Sendable () -> Void = {
            target.value.0.pointee.cancel?(target.value.1, id)
        }
        let bytes = JSONWriter.bytes(.object(message))
        let topicBytes = Array(topic.utf8)
        let ctx = Unmanaged.passRetained(pending)
        let status: Int32 = topicBytes.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { m in
                guard let handle = vtable.pointee.handle else { return Int32(AGENT_E_UNSUPPORTED) }
                return handle(
                    entry.instance, id, agent_bytes(ptr: t.baseAddress, len: t.count),
                    agent_bytes(ptr: m.baseAddress, len: m.count), hostRequestDone, ctx.toOpaque())
            }
        }
        guard status == Int32(AGENT_OK) else {
            ctx.release()  // the completion will never fire
            return .completed(status: status, body: [])
        }
        deadlines.arm(id: id, after: .milliseconds(timeoutMilliseconds)) {
            if pending.resolve(.timedOut) { cancelHandler() }
        }
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { pending.wait($0) }
        } onCancel: {
            if pending.resolve(.cancelled) { cancelHandler() }
        }
        deadlines.disarm(id: id)
        return outcome
    }

    private func respond(_ outcome: PendingRequest.Outcome, topic: String, correlationID: JSONValue, timeout: Int)
        -> JSONObject
    {
        switch outcome {
        case .timedOut:
            return Response.error(
                action: topic, correlationID: correlationID, code: "timeout",
                message: "Topic '\(topic)' did not answer within \(timeout) ms; the request was cancelled")
        case .cancelled:
            return Response.error(
                action: topic, correlationID: correlationID, code: "cancelled", message: "The request was cancelled")
        case .completed(let status, let body):
            return TopicEnvelope.reply(
                topic: topic, correlationID: correlationID, status: status, body: body, defaultCode: Self.statusCode)
        }
    }

    /// The `unknown_topic` text; when plugins were refused or failed at load it names them, since
    /// the topic may be one of theirs (their topics are never registered).
    func unknownTopicMessage(_ topic: String) -> String {
        let unloaded = services.unloaded.withLock { $0 }
        guard !unloaded.isEmpty else { return "Unknown topic '\(topic)': no loaded plugin handles it" }
        return "Unknown topic '\(topic)': no loaded plugin handles it; not loaded: \(unloaded.joined(separator: ", ")) "
            + "(see `orchestrator-agent plugins list`)"
    }

    /// Stable code names for the ABI statuses (used when a plugin sends no error body).
    static func statusCode(_ status: Int32) -> String { String(cString: agent_status_code(status)) }

    static func isoNow() -> String { ISODate.now() }
}

/// A C pointer carried into a `@Sendable` closure. The ABI makes vtable instances callable from
/// any thread, so sharing the pointer is sound.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

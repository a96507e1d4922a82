import AgentJSON

/// What a plugin implements to be the agent's link to the cloud (`agent.transport`).
///
/// The SDK turns it into an `agent_transport_v1` vtable. All methods may be called from any
/// thread; `start` must return at once (connect in the background and keep reconnecting).
public protocol TransportProvider: Sendable {
    /// Starts connecting with the site config's `cloud` section. Inbound commands and state
    /// changes go to `link`.
    func start(config: JSONObject, link: TransportLink) throws(PluginError)

    /// Sends one event. Called synchronously, in the order of the host's `send` calls: the
    /// implementation must fix the event's place in the outgoing order before it returns (events
    /// keep their order). With `queue`, an event sent while disconnected is kept (bounded) and
    /// delivered in order after reconnect; without, it fails with status `AGENT_E_BUSY`.
    /// `completion` is called exactly once: nil when written (or queued), else the error.
    func send(
        topic: String, payload: JSONObject, queue: Bool, completion: @escaping @Sendable (PluginError?) -> Void)

    /// Skips the back-off and tries to connect now (the network changed).
    func reconnectNow()

    /// Closes the link and stops reconnecting.
    func stop() async

    /// Answers a JSON query method (at least `"status"`).
    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue
}

/// The host's side of a transport: where inbound commands and state changes go.
public struct TransportLink: Sendable {
    let inboundFn: @Sendable (_ topic: String, _ payload: [UInt8], _ reply: (@Sendable ([UInt8]) -> Void)?) -> Void
    let stateFn: @Sendable (_ kind: String, _ detail: JSONObject) -> Void

    /// A link from closures (the SDK builds it from the host's callbacks; tests may build their own).
    public init(
        inbound: @escaping @Sendable (_ topic: String, _ payload: [UInt8], _ reply: (@Sendable ([UInt8]) -> Void)?) -> Void,
        state: @escaping @Sendable (_ kind: String, _ detail: JSONObject) -> Void
    ) {
        self.inboundFn = inbound
        self.stateFn = state
    }

    /// Hands one inbound command (payload = the command's JSON argument, any JSON) to the host.
    /// When the command carries an ack, `reply` is called exactly once with the response JSON.
    public func inbound(topic: String, payload: [UInt8], reply: (@Sendable ([UInt8]) -> Void)?) {
        inboundFn(topic, payload, reply)
    }

    /// Reports a state change: "connected", "disconnected", "error", with details.
    public func state(_ kind: String, _ detail: JSONObject = [:]) { stateFn(kind, detail) }
}

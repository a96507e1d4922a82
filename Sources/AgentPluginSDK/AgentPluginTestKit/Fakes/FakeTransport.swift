import AgentJSON
import AgentPluginKit
import Synchronization

/// A cloud link behind `agent.transport` that records what is sent. `connected` decides what
/// `status` answers and whether an unqueued send fails (`busy`), as the mTLS transport does.
public final class FakeTransport: TransportProvider, Sendable {
    private let sentEvents = Mutex<[(topic: String, payload: JSONObject)]>([])
    private let link = Mutex<TransportLink?>(nil)
    private let isConnected: Atomic<Bool>
    private let reconnects = Atomic<Int>(0)
    private let queries = Atomic<Int>(0)

    /// A transport that reports `connected`.
    public init(connected: Bool = true) { isConnected = Atomic(connected) }

    /// Every event sent through it, in order.
    public var sent: [(topic: String, payload: JSONObject)] { sentEvents.withLock { $0 } }

    /// How many times a plugin asked for an immediate reconnect.
    public var reconnectRequests: Int { reconnects.load(ordering: .acquiring) }

    /// How many times a plugin asked for `status`.
    public var statusQueries: Int { queries.load(ordering: .acquiring) }

    /// Changes the link state (and tells the host, when started).
    public func setConnected(_ on: Bool) {
        isConnected.store(on, ordering: .releasing)
        link.withLock { $0 }?.state(on ? "connected" : "disconnected")
    }

    public func start(config: JSONObject, link: TransportLink) throws(PluginError) {
        self.link.withLock { $0 = link }
    }

    public func send(topic: String, payload: JSONObject, queue: Bool, completion: @escaping @Sendable (PluginError?) -> Void) {
        guard queue || isConnected.load(ordering: .acquiring) else {
            completion(PluginError(status: 4, code: "busy", message: "not connected"))
            return
        }
        sentEvents.withLock { $0.append((topic, payload)) }
        completion(nil)
    }

    public func reconnectNow() { reconnects.add(1, ordering: .relaxed) }

    public func stop() async { setConnected(false) }

    public func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        guard method == "status" else { throw PluginError(status: 2, code: "unknown_method", message: "no method '\(method)'") }
        queries.add(1, ordering: .relaxed)
        return ["connected": .bool(isConnected.load(ordering: .acquiring))]
    }
}

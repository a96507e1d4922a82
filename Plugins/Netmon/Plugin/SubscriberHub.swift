import AgentJSON
import AgentPluginKit
import Synchronization

/// The consumers of the `agent.netmon` event stream.
///
/// `publish` delivers to every live subscriber, in subscription order, holding that
/// subscriber's lock while its callback runs; `cancel` takes the same lock, so when it returns no
/// callback runs or will run (the ABI rule). A callback must therefore not cancel its own
/// subscription from inside the call.
final class SubscriberHub: Sendable {
    private let subscribers = Mutex<(next: UInt64, live: [(id: UInt64, subscriber: Subscriber)])>((1, []))

    /// Adds a subscriber; the returned subscription removes it.
    func add(_ onEvent: @escaping @Sendable (String, JSONObject) -> Void) -> EventSubscription {
        let subscriber = Subscriber(onEvent)
        let id = subscribers.withLock { s in
            let id = s.next
            s.next += 1
            s.live.append((id, subscriber))
            return id
        }
        return EventSubscription { [weak self] in
            subscriber.close()
            self?.subscribers.withLock { $0.live.removeAll { $0.id == id } }
        }
    }

    /// Delivers one event to every subscriber.
    func publish(_ kind: String, _ payload: JSONObject) {
        let live = subscribers.withLock { $0.live.map(\.subscriber) }
        for s in live { s.deliver(kind, payload) }
    }

    /// Closes every subscription (plugin shutdown).
    func closeAll() {
        let live = subscribers.withLock { s in
            defer { s.live = [] }
            return s.live.map(\.subscriber)
        }
        for s in live { s.close() }
    }

    /// Number of live subscribers.
    var count: Int { subscribers.withLock { $0.live.count } }
}

/// One subscriber: its callback until closed.
private final class Subscriber: Sendable {
    private let callback: Mutex<(@Sendable (String, JSONObject) -> Void)?>

    init(_ callback: @escaping @Sendable (String, JSONObject) -> Void) { self.callback = Mutex(callback) }

    func deliver(_ kind: String, _ payload: JSONObject) { callback.withLock { $0?(kind, payload) } }

    func close() { callback.withLock { $0 = nil } }
}

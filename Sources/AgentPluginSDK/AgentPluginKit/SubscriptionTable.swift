import AgentJSON
import CAgentABI
import Synchronization

/// The live event subscriptions of one provider box (driver or netmon): ids handed out to the
/// host, and the C side of each event.
final class SubscriptionTable: Sendable {
    private let state = Mutex<(next: UInt64, live: [UInt64: EventSubscription])>((1, [:]))

    /// Keeps `subscription`; answers its id (> 0) for the host.
    func add(_ subscription: EventSubscription) -> UInt64 {
        state.withLock { s in
            let id = s.next
            s.next += 1
            s.live[id] = subscription
            return id
        }
    }

    /// Stops and forgets subscription `id`; unknown ids are ignored. Returns after the last
    /// callback of that subscription returned (``EventSubscription/cancel()``).
    func remove(_ id: UInt64) {
        state.withLock { $0.live.removeValue(forKey: id) }?.cancel()
    }

    /// A provider callback that hands `(kind, payload)` to the host's `onEvent` as borrowed bytes.
    static func forwarder(_ onEvent: agent_event_fn, _ ctx: UnsafeMutableRawPointer?) -> @Sendable (String, JSONObject) -> Void {
        let sink = Unchecked((onEvent, ctx))
        return { kind, payload in
            Bytes.withBorrowed(kind) { k in
                Bytes.withBorrowed(JSONWriter.bytes(.object(payload))) { p in sink.value.0(sink.value.1, k, p) }
            }
        }
    }
}

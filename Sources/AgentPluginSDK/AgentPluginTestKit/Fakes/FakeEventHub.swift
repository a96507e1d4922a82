import AgentJSON
import AgentPluginKit
import Synchronization

/// The fake engine's event stream: subscribers with their filters (`type`, `event`, `label`
/// arrays, as the Docker driver reads them) and container events as `container.<action>`.
final class FakeEventHub: Sendable {
    private struct Subscriber: Sendable {
        let filter: JSONObject
        let deliver: @Sendable (String, JSONObject) -> Void
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextSubscription = Atomic<UInt64>(1)

    /// Adds a subscriber; it gets `stream.open` at once, then every matching event until cancelled.
    func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) -> EventSubscription {
        let id = nextSubscription.add(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = Subscriber(filter: filter, deliver: onEvent) }
        onEvent("stream.open", [:])
        return EventSubscription { [weak self] in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
    }

    /// Sends a container event (`{id, name, action, type, attributes, time}`) to every
    /// subscriber whose filter matches.
    func publish(_ action: String, _ c: FakeEngineState.Container, extra: JSONObject) {
        var attributes = c.labels
        attributes["name"] = .string(c.name)
        attributes["image"] = .string(c.image)
        for (k, v) in extra.entries { attributes[k] = v }
        let payload: JSONObject = [
            "id": .string(c.id), "name": .string(c.name), "action": .string(action), "type": "container",
            "attributes": .object(attributes), "time": 0,
        ]
        let targets = subscribers.withLock { Array($0.values) }
        for s in targets where Self.matches(s.filter, action: action, labels: c.labels) {
            s.deliver("container." + action, payload)
        }
    }

    private static func matches(_ filter: JSONObject, action: String, labels: JSONObject) -> Bool {
        func list(_ key: String) -> [String]? { filter[key]?.arrayValue?.compactMap(\.stringValue) }
        if let types = list("type"), !types.contains("container") { return false }
        if let events = list("event"), !events.contains(action) { return false }
        if let wanted = list("label") {
            for l in wanted {
                let parts = l.split(separator: "=", maxSplits: 1).map(String.init)
                guard let value = labels[parts[0]]?.stringValue else { return false }
                if parts.count == 2, value != parts[1] { return false }
            }
        }
        return true
    }
}

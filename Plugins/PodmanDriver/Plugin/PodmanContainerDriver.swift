import AgentJSON
import AgentPluginKit
import PodmanEngine
import Synchronization

/// The ``ContainerDriverProvider`` of the plugin: the ``ContainerDriverService`` with its
/// errors turned into ``PluginError``s, and its event feeds tracked so shutdown can stop them.
final class PodmanContainerDriver: ContainerDriverProvider {
    let service: ContainerDriverService
    private let feeds = Mutex<(next: Int, live: [Int: EventFeed])>((0, [:]))

    init(service: ContainerDriverService) { self.service = service }

    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        do {
            return try await service.invoke(method: method, params: params)
        } catch {
            throw PluginError(error)
        }
    }

    func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError)
        -> EventSubscription
    {
        let feed: EventFeed
        do {
            feed = try service.subscribe(filter: filter, onEvent: onEvent)
        } catch {
            throw PluginError(error)
        }
        let key = feeds.withLock { f in
            let k = f.next
            f.next += 1
            f.live[k] = feed
            return k
        }
        return EventSubscription { [weak self] in
            feed.cancel()
            _ = self?.feeds.withLock { $0.live.removeValue(forKey: key) }
        }
    }

    /// Stops every live subscription (plugin shutdown).
    func cancelSubscriptions() {
        let live = feeds.withLock { f in
            let all = Array(f.live.values)
            f.live = [:]
            return all
        }
        for feed in live { feed.cancel() }
    }
}

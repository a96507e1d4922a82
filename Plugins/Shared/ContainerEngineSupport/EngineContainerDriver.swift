import AgentJSON
import AgentPluginKit
import Synchronization

/// What the plugin side needs of a container driver's error: the protocol's stable code, the
/// message, the offending parameter and the HTTP status when the engine answered.
public protocol EngineFailure: Error, Sendable {
    /// The stable snake_case code (`engine_not_found`, `bad_params`, …).
    var codeName: String { get }
    var message: String { get }
    var field: String? { get }
    var httpStatus: Int? { get }
}

/// A subscription's event feed, stopped with ``cancel()`` (safe more than once).
public protocol CancellableFeed: Sendable {
    func cancel()
}

/// The `agent.container_driver` methods of one engine (docs/container-driver.md): what
/// ``EngineContainerDriver`` wraps for the plugin.
public protocol EngineDriverService: Sendable {
    associatedtype Failure: EngineFailure
    associatedtype Feed: CancellableFeed
    /// Runs one method.
    func invoke(method: String, params: JSONObject) async throws(Failure) -> JSONValue
    /// Starts an event subscription.
    func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(Failure) -> Feed
}

extension PluginError {
    /// A driver's error at the plugin boundary: same `code`, `message` and `field`;
    /// `details.http_status` when the engine answered; the ABI status class by code.
    public init(_ error: some EngineFailure) {
        var details: JSONObject?
        if let status = error.httpStatus { details = ["http_status": .number(Double(status))] }
        self.init(
            status: EngineABIStatus.for(error.codeName), code: error.codeName, message: error.message, field: error.field,
            details: details)
    }
}

/// The `agent_status` values of `agent_plugin.h` (ABI major 1; frozen) for the drivers' codes.
/// Spelled out here because the SDK keeps its constants internal.
enum EngineABIStatus {
    static let invalidArgument: Int32 = 1
    static let unsupported: Int32 = 2
    static let notFound: Int32 = 3
    static let busy: Int32 = 4
    static let timeout: Int32 = 5
    static let io: Int32 = 6
    static let cancelled: Int32 = 7

    /// The status class of a driver's error code (every engine's codes; an unknown one is `io`).
    static func `for`(_ code: String) -> Int32 {
        switch code {
        case "bad_params", "bad_config", "engine_bad_request", "engine_forbidden": return invalidArgument
        case "unknown_method": return unsupported
        case "engine_not_found", "target_not_found", "unknown_token", "host_node_invalid": return notFound
        case "container_not_running", "engine_conflict", "previous_exists", "swap_state": return busy
        case "engine_timeout": return timeout
        case "cancelled": return cancelled
        default: return io
        }
    }
}

/// The ``ContainerDriverProvider`` of a driver plugin: its engine's service with the errors
/// turned into ``PluginError``s, and its event feeds tracked so shutdown can stop them. The Docker
/// and Podman plugins use it alike.
public final class EngineContainerDriver<Service: EngineDriverService>: ContainerDriverProvider {
    /// The engine's methods.
    public let service: Service
    private let feeds = Mutex<(next: Int, live: [Int: Service.Feed])>((0, [:]))

    public init(service: Service) { self.service = service }

    public func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        do {
            return try await service.invoke(method: method, params: params)
        } catch {
            throw PluginError(error)
        }
    }

    public func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError)
        -> EventSubscription
    {
        let feed: Service.Feed
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
    public func cancelSubscriptions() {
        let live = feeds.withLock { f in
            let all = Array(f.live.values)
            f.live = [:]
            return all
        }
        for feed in live { feed.cancel() }
    }
}

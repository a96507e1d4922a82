import AgentJSON
import ContainerEngineSupport

/// The `agent.container_driver` methods (docs/container-driver.md) over a ``DockerEngine``:
/// parameter validation, dispatch, and the normalized results. The plugin wraps it; tests call
/// it directly.
public struct ContainerDriverService: Sendable {
    /// The engine client.
    public let engine: DockerEngine
    /// Timeouts and the rest of the configuration.
    public let settings: DriverSettings
    private let debugLog: @Sendable (String) -> Void

    /// - Parameter debugLog: receives progress lines (image pull), for a debug log.
    public init(engine: DockerEngine, settings: DriverSettings, debugLog: @escaping @Sendable (String) -> Void = { _ in }) {
        self.engine = engine
        self.settings = settings
        self.debugLog = debugLog
    }

    /// Builds the engine from `settings` too.
    public init(settings: DriverSettings, debugLog: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(
            engine: DockerEngine(socketPath: settings.socketPath, apiVersion: settings.apiVersion), settings: settings,
            debugLog: debugLog)
    }

    /// Every method name this service answers: the common ones and Docker's own.
    public static let methods =
        CommonDriverMethods.names + ["engine.capabilities", "container.update", "container.device_node", "container.device_node_remove"]

    /// Runs one method.
    /// - Throws: ``DockerEngineError``: `bad_params` (with `field`), `unknown_method`, or an
    ///   engine error code.
    public func invoke(method: String, params object: JSONObject) async throws(DockerEngineError) -> JSONValue {
        let p = Params(object)
        let timeout = try p.timeout(default: method == "image.pull" || method == "image.import" ? settings.pullTimeout : settings.callTimeout)
        if let answer = try await CommonDriverMethods.invoke(method, p, on: engine, timeout: timeout, log: debugLog) { return answer }
        switch method {
        case "engine.capabilities": return .object(Self.capabilities(NetworkWiring(for: try await engine.apiVersion(timeout: timeout))))
        case "container.device_node", "container.device_node_remove": return try await deviceNode(method, p, timeout: timeout)
        case "container.update":
            let policy = try p.string("restart_policy")
            guard Self.restartPolicies.contains(policy) else {
                throw .badParams("restart_policy", "'restart_policy' must be one of \(Self.restartPolicies.joined(separator: ", "))")
            }
            try await engine.updateRestartPolicy(try p.string("id"), policy: policy, timeout: timeout)
            return [:]
        default: throw Self.unknown(method)
        }
    }

    /// `engine.capabilities` (docs/container-driver.md, Engines compared): what depends on the
    /// API version is the wiring and whether every endpoint gets its MAC.
    public static func capabilities(_ wiring: NetworkWiring) -> JSONObject {
        [
            "engine": "docker", "per_network_mac": .bool(wiring == .endpointsAtCreate), "wiring": .string(wiring.rawValue),
            "events": "docker", "restart_policy_update": true, "device_node": true, "network_lists_stopped_containers": false,
            "remove_network_in_use": true, "image_load": false, "upgrader": true,
        ]
    }

    // MARK: parameter shapes

    /// The restart policies `container.update` accepts.
    static let restartPolicies = ["no", "always", "unless-stopped", "on-failure"]

    /// A subscription filter `{type?, event?, label?}` (arrays of strings).
    public static func eventFilter(_ filter: JSONObject) throws(DockerEngineError) -> EventFilter {
        let p = Params(filter)
        return EventFilter(
            types: try p.stringArray("type") ?? [], actions: try p.stringArray("event") ?? [], labels: try p.stringArray("label") ?? [])
    }

    /// Starts a reconnecting event subscription (see ``EventFeed``).
    /// - Throws: `bad_params` for a malformed filter.
    public func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(DockerEngineError)
        -> EventFeed
    {
        EventFeed(engine: engine, filter: try Self.eventFilter(filter), onEvent: onEvent)
    }

    private static func unknown(_ method: String) -> DockerEngineError {
        DockerEngineError(.unknownMethod, "no method '\(method)'; known: \(methods.joined(separator: ", "))")
    }
}

extension ContainerDriverService: EngineDriverService {}
extension DockerEngine: ContainerEngineClient {}
extension EventFeed: CancellableFeed {}

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

    /// Every method name this service answers.
    public static let methods = [
        "engine.version", "engine.ping", "engine.capabilities", "image.inspect", "image.pull", "image.import", "container.create",
        "container.start", "container.stop", "container.restart", "container.remove", "container.inspect",
        "container.list", "container.stats", "container.rename", "container.update", "container.device_node",
        "container.device_node_remove", "network.create", "network.inspect", "network.list", "network.remove",
        "network.connect", "network.disconnect",
    ]

    /// Runs one method.
    /// - Throws: ``DockerEngineError``: `bad_params` (with `field`), `unknown_method`, or an
    ///   engine error code.
    public func invoke(method: String, params object: JSONObject) async throws(DockerEngineError) -> JSONValue {
        let p = Params(object)
        let timeout = try p.timeout(default: method == "image.pull" || method == "image.import" ? settings.pullTimeout : settings.callTimeout)
        switch method {
        case "engine.version": return .object(try await engine.version(timeout: timeout))
        case "engine.ping":
            try await engine.ping(timeout: timeout)
            return ["ok": true]
        case "engine.capabilities": return .object(Self.capabilities(NetworkWiring(for: try await engine.apiVersion(timeout: timeout))))
        case "image.inspect": return .object(try await engine.inspectImage(try p.string("ref"), timeout: timeout))
        case "image.pull":
            let ref = try p.string("ref")
            let log = debugLog
            return .object(
                try await engine.pullImage(ref, timeout: timeout) { line in
                    log("pull \(ref): \(JSONWriter.string(.object(line)))")
                })
        case "image.import":
            return .object(
                try await engine.importImage(
                    tarPath: try p.string("tar_path"), repo: try p.string("repo"), tag: try p.string("tag"), timeout: timeout))
        case let m where m.hasPrefix("container."): return try await container(m, p, timeout: timeout)
        case let m where m.hasPrefix("network."): return try await network(m, p, timeout: timeout)
        default: throw Self.unknown(method)
        }
    }

    private func container(_ method: String, _ p: Params, timeout: Duration) async throws(DockerEngineError) -> JSONValue {
        switch method {
        case "container.create": return .object(try await engine.createContainer(try Self.containerSpec(p), timeout: timeout))
        case "container.start": return ["changed": .bool(try await engine.startContainer(try p.string("id"), timeout: timeout))]
        case "container.stop", "container.restart":
            let id = try p.string("id")
            let grace = try p.int("timeout_s", default: 10, in: 0...3600)
            // The engine answers only after the grace period, so the call may need longer.
            let callTimeout = p.object["timeout_ms"] == nil ? max(timeout, .seconds(grace + 15)) : timeout
            if method == "container.restart" {
                try await engine.restartContainer(id, graceSeconds: grace, timeout: callTimeout)
                return [:]
            }
            return ["changed": .bool(try await engine.stopContainer(id, graceSeconds: grace, timeout: callTimeout))]
        case "container.remove":
            let removed = try await engine.removeContainer(try p.string("id"), force: try p.bool("force", default: true), timeout: timeout)
            return ["removed": .bool(removed)]
        case "container.inspect": return .object(try await engine.inspectContainer(try p.string("id"), timeout: timeout))
        case "container.list":
            guard p.object["labels"]?.objectValue != nil else { throw .badParams("labels", "'labels' must be an object") }
            let labels = try p.labelFilter("labels")
            return .array(
                try await engine.listContainers(
                    labels: labels, network: try p.optionalString("network"), all: try p.bool("all", default: true), timeout: timeout))
        case "container.stats": return .object(try await engine.containerStats(try p.string("id"), timeout: timeout))
        case "container.rename":
            try await engine.renameContainer(try p.string("id"), to: try p.string("name"), timeout: timeout)
            return [:]
        case "container.device_node", "container.device_node_remove":
            return try await deviceNode(method, p, timeout: timeout)
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

    private func network(_ method: String, _ p: Params, timeout: Duration) async throws(DockerEngineError) -> JSONValue {
        switch method {
        case "network.create": return ["id": .string(try await engine.createNetwork(try Self.networkSpec(p), timeout: timeout))]
        case "network.inspect": return .object(try await engine.inspectNetwork(try p.string("id"), timeout: timeout))
        case "network.list":
            return .array(
                try await engine.listNetworks(labels: try p.labelFilter("labels"), driver: try p.optionalString("driver"), timeout: timeout))
        case "network.remove": return ["removed": .bool(try await engine.removeNetwork(try p.string("id"), timeout: timeout))]
        case "network.connect":
            let endpoint = try EndpointSpec(params: p)
            try await engine.connectNetwork(endpoint.network, container: try p.string("container"), endpoint: endpoint, timeout: timeout)
            return [:]
        case "network.disconnect":
            try await engine.disconnectNetwork(
                try p.string("network"), container: try p.string("container"), force: try p.bool("force", default: false),
                timeout: timeout)
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

    /// `container.create`'s parameters as a ``ContainerSpec``.
    static func containerSpec(_ p: Params) throws(DockerEngineError) -> ContainerSpec { try ContainerSpec(params: p) }

    /// `network.create`'s parameters as a ``NetworkSpec``.
    static func networkSpec(_ p: Params) throws(DockerEngineError) -> NetworkSpec { try NetworkSpec(params: p) }

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
extension EventFeed: CancellableFeed {}

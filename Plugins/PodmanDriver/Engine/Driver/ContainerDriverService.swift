import AgentJSON
import ContainerEngineSupport

/// The `agent.container_driver` methods (docs/container-driver.md) over a ``PodmanEngine``:
/// parameter validation, dispatch and the normalized results. The plugin wraps it; tests call
/// it directly.
public struct ContainerDriverService: Sendable {
    /// The engine client.
    public let engine: PodmanEngine
    /// Timeouts and the rest of the configuration.
    public let settings: DriverSettings
    private let debugLog: @Sendable (String) -> Void

    /// - Parameter debugLog: receives progress lines (image pull), for a debug log.
    public init(engine: PodmanEngine, settings: DriverSettings, debugLog: @escaping @Sendable (String) -> Void = { _ in }) {
        self.engine = engine
        self.settings = settings
        self.debugLog = debugLog
    }

    /// Builds the engine from `settings` too.
    public init(settings: DriverSettings, debugLog: @escaping @Sendable (String) -> Void = { _ in }) {
        self.init(engine: PodmanEngine(socketPath: settings.socketPath), settings: settings, debugLog: debugLog)
    }

    /// Every method name this service answers. Not offered (see ``capabilities``):
    /// `container.update` (Podman 4 cannot change a restart policy in place) and
    /// `container.device_node*`; nor does the plugin register an `agent.upgrader` (`upgrader`).
    public static let methods = [
        "engine.version", "engine.ping", "engine.capabilities", "image.inspect", "image.pull", "image.import", "image.load", "container.create",
        "container.start", "container.stop", "container.restart", "container.remove", "container.inspect", "container.list",
        "container.stats", "container.rename", "network.create", "network.inspect", "network.list", "network.remove",
        "network.connect", "network.disconnect",
    ]

    /// `engine.capabilities`: where this engine differs from the protocol's baseline.
    public static let capabilities: JSONObject = [
        "engine": "podman", "per_network_mac": true, "wiring": "endpoints_at_create", "events": "docker",
        "restart_policy_update": false, "device_node": false, "network_lists_stopped_containers": false,
        "remove_network_in_use": false, "image_load": true, "upgrader": false,
    ]

    /// Runs one method.
    /// - Throws: ``PodmanEngineError``: `bad_params` (with `field`), `unknown_method`, or an
    ///   engine error code.
    public func invoke(method: String, params object: JSONObject) async throws(PodmanEngineError) -> JSONValue {
        let p = Params(object)
        let timeout = try p.timeout(default: ["image.pull", "image.import", "image.load"].contains(method) ? settings.pullTimeout : settings.callTimeout)
        switch method {
        case "engine.version": return .object(try await engine.version(timeout: timeout))
        case "engine.ping":
            try await engine.ping(timeout: timeout)
            return ["ok": true]
        case "engine.capabilities": return .object(Self.capabilities)
        case "image.inspect": return .object(try await engine.inspectImage(try p.string("ref"), timeout: timeout))
        case "image.pull":
            let ref = try p.string("ref")
            let log = debugLog
            return .object(try await engine.pullImage(ref, timeout: timeout) { line in log("pull \(ref): \(JSONWriter.string(.object(line)))") })
        case "image.import":
            return .object(
                try await engine.importImage(tarPath: try p.string("tar_path"), repo: try p.string("repo"), tag: try p.string("tag"), timeout: timeout))
        case "image.load": return .object(try await engine.loadImage(tarPath: try p.string("tar_path"), timeout: timeout))
        case let m where m.hasPrefix("container."): return try await container(m, p, timeout: timeout)
        case let m where m.hasPrefix("network."): return try await network(m, p, timeout: timeout)
        default: throw Self.unknown(method)
        }
    }

    private func container(_ method: String, _ p: Params, timeout: Duration) async throws(PodmanEngineError) -> JSONValue {
        switch method {
        case "container.create": return .object(try await engine.createContainer(try ContainerSpec(params: p), timeout: timeout))
        case "container.start": return ["changed": .bool(try await engine.startContainer(try p.string("id"), timeout: timeout))]
        case "container.stop", "container.restart":
            let id = try p.string("id")
            let grace = try p.int("timeout_s", default: 10, in: 0...3600)
            // The service answers only after the grace period, so the call may need longer.
            let callTimeout = p.object["timeout_ms"] == nil ? max(timeout, .seconds(grace + 15)) : timeout
            if method == "container.restart" {
                try await engine.restartContainer(id, graceSeconds: grace, timeout: callTimeout)
                return [:]
            }
            return ["changed": .bool(try await engine.stopContainer(id, graceSeconds: grace, timeout: callTimeout))]
        case "container.remove":
            return ["removed": .bool(try await engine.removeContainer(try p.string("id"), force: try p.bool("force", default: true), timeout: timeout))]
        case "container.inspect": return .object(try await engine.inspectContainer(try p.string("id"), timeout: timeout))
        case "container.list":
            guard p.object["labels"]?.objectValue != nil else { throw .badParams("labels", "'labels' must be an object") }
            return .array(
                try await engine.listContainers(
                    labels: try p.labelFilter("labels"), network: try p.optionalString("network"), all: try p.bool("all", default: true),
                    timeout: timeout))
        case "container.stats": return .object(try await engine.containerStats(try p.string("id"), timeout: timeout))
        case "container.rename":
            try await engine.renameContainer(try p.string("id"), to: try p.string("name"), timeout: timeout)
            return [:]
        default: throw Self.unknown(method)
        }
    }

    private func network(_ method: String, _ p: Params, timeout: Duration) async throws(PodmanEngineError) -> JSONValue {
        switch method {
        case "network.create": return ["id": .string(try await engine.createNetwork(try NetworkSpec(params: p), timeout: timeout))]
        case "network.inspect": return .object(try await engine.inspectNetwork(try p.string("id"), timeout: timeout))
        case "network.list":
            return .array(try await engine.listNetworks(labels: try p.labelFilter("labels"), driver: try p.optionalString("driver"), timeout: timeout))
        case "network.remove": return ["removed": .bool(try await engine.removeNetwork(try p.string("id"), timeout: timeout))]
        case "network.connect":
            let endpoint = try EndpointSpec(params: p)
            try await engine.connectNetwork(endpoint.network, container: try p.string("container"), endpoint: endpoint, timeout: timeout)
            return [:]
        case "network.disconnect":
            try await engine.disconnectNetwork(
                try p.string("network"), container: try p.string("container"), force: try p.bool("force", default: false), timeout: timeout)
            return [:]
        default: throw Self.unknown(method)
        }
    }

    /// A subscription filter `{type?, event?, label?}` (arrays of strings): `type` and `label`
    /// as the events endpoint's filter object, `event` as the actions kept by the driver itself
    /// (Podman filters events by its own names, `died` for Docker's `die`).
    /// - Throws: `bad_params` naming the field.
    public static func eventFilter(_ filter: JSONObject) throws(PodmanEngineError) -> (server: JSONObject, actions: Set<String>) {
        let p = Params(filter)
        var out = JSONObject()
        for key in ["type", "label"] {
            if let values = try p.stringArray(key), !values.isEmpty { out[key] = .array(values.map(JSONValue.string)) }
        }
        return (out, Set(try p.stringArray("event") ?? []))
    }

    /// Starts a reconnecting event subscription (see ``EventFeed``).
    /// - Throws: `bad_params` for a malformed filter.
    public func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PodmanEngineError) -> EventFeed {
        let f = try Self.eventFilter(filter)
        return EventFeed(engine: engine, filter: f.server, actions: f.actions, onEvent: onEvent)
    }

    private static func unknown(_ method: String) -> PodmanEngineError {
        let note = ["container.update", "container.device_node", "container.device_node_remove"].contains(method)
            ? " (not offered by the Podman driver; see engine.capabilities)" : ""
        return PodmanEngineError(.unknownMethod, "no method '\(method)'\(note); known: \(methods.joined(separator: ", "))")
    }
}

extension ContainerDriverService: EngineDriverService {}
extension EventFeed: CancellableFeed {}

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

    /// Every method name this service answers: the common ones and Podman's own. Not offered
    /// (see ``capabilities``): `container.update` (Podman 4 cannot change a restart policy in
    /// place) and `container.device_node*`; nor does the plugin register an `agent.upgrader`
    /// (`upgrader`).
    public static let methods = CommonDriverMethods.names + ["engine.capabilities", "image.load"]

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
        if let answer = try await CommonDriverMethods.invoke(method, p, on: engine, timeout: timeout, log: debugLog) { return answer }
        switch method {
        case "engine.capabilities": return .object(Self.capabilities)
        case "image.load": return .object(try await engine.loadImage(tarPath: try p.string("tar_path"), timeout: timeout))
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
extension PodmanEngine: ContainerEngineClient {}
extension EventFeed: CancellableFeed {}

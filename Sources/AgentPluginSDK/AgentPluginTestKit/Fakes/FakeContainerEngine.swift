import AgentJSON
import AgentPluginKit
import CAgentABI
import Synchronization

/// An in-memory container engine behind the `agent.container_driver` method catalogue
/// (docs/container-driver.md): images, networks (bridge and macvlan, IPAM subnets), containers
/// with the create/start/stop/restart/remove/inspect/list/stats/rename/update/device_node methods, network
/// connect/disconnect, and the event stream (`container.create/start/die/destroy`). Addresses are
/// assigned at start from the network's subnet (or the static one asked), and cleared at stop,
/// as Docker does; a stopped container is not listed in `network.inspect`.
///
/// For tests: ``addImage(_:config:)``, ``crash(_:exitCode:)`` (the process dies: a `die`
/// event), ``failNext(_:code:message:)`` (the next call of a method fails with a driver error),
/// ``calls`` (every method called, in order), ``containers``/``networks`` (names),
/// ``setCapabilities(_:)`` (what `engine.capabilities` answers: another engine's differences).
public final class FakeContainerEngine: ContainerDriverProvider, Sendable {
    /// What `engine.capabilities` answers unless a test sets another answer: this fake's
    /// behaviour in the protocol's terms (every endpoint gets its MAC at create, Docker's event
    /// names, every optional method offered).
    public static let defaultCapabilities: JSONObject = [
        "engine": "fake", "per_network_mac": true, "wiring": "endpoints_at_create", "events": "docker",
        "restart_policy_update": true, "device_node": true, "network_lists_stopped_containers": false,
        "remove_network_in_use": true, "image_load": false, "upgrader": true,
    ]

    let world = Mutex(FakeEngineState())
    private let capabilities = Mutex<JSONObject?>(FakeContainerEngine.defaultCapabilities)
    private let log = Mutex<[(method: String, params: JSONObject)]>([])
    private let hub = FakeEventHub()

    /// An engine with `images` present (reference → nothing else needed).
    public init(images: [String] = []) {
        for ref in images { addImage(ref) }
    }

    // MARK: test controls

    /// Makes `ref` present, with `config` as its defaults (`cmd`, `entrypoint`, `env`, …).
    public func addImage(_ ref: String, config: JSONObject = [:]) {
        world.withLock { w in
            let id = "sha256:" + w.newID()
            w.images[ref] = FakeEngineState.Image(id: id, config: config)
        }
    }

    /// The container's process exits with `exitCode` (a `container.die` event), as a crash.
    /// - Returns: false when no such running container exists.
    @discardableResult
    public func crash(_ ref: String, exitCode: Int = 137) -> Bool {
        guard let c = world.withLock({ w -> FakeEngineState.Container? in
            guard let i = w.containerIndex(ref), w.containers[i].running else { return nil }
            Self.stop(&w.containers[i], exitCode: exitCode)
            return w.containers[i]
        }) else { return false }
        publish("die", c, extra: ["exitCode": .string(String(exitCode))])
        return true
    }

    /// The next call of `method` fails with driver error `code` (e.g. `engine_error`).
    public func failNext(_ method: String, code: String, message: String = "injected by the test") {
        world.withLock { $0.faults[method, default: []].append((code, message)) }
    }

    /// What `engine.capabilities` answers from now on (e.g. Podman's: `upgrader` false); nil
    /// makes it an `unknown_method`, as a driver older than the method.
    public func setCapabilities(_ answer: JSONObject?) {
        capabilities.withLock { $0 = answer }
    }

    /// Every method called so far, in order, with its parameters.
    public var calls: [(method: String, params: JSONObject)] { log.withLock { $0 } }

    /// The names of the containers that exist, sorted.
    public var containers: [String] { world.withLock { $0.containers.map(\.name).sorted() } }

    /// The names of the networks that exist, sorted.
    public var networks: [String] { world.withLock { $0.networks.map(\.name).sorted() } }

    /// The device nodes `container.device_node` put into a container (container path → host
    /// path), nil when it does not exist. A stop clears them (a new process, a new mount namespace).
    public func deviceNodes(of ref: String) -> [String: String]? {
        world.withLock { w in w.containerIndex(ref).map { w.containers[$0].deviceNodes } }
    }

    /// The state (`created`, `running`, `exited`) of a container, nil when it does not exist.
    public func status(of ref: String) -> String? {
        world.withLock { w in w.containerIndex(ref).map { w.containers[$0].status } }
    }

    // MARK: ContainerDriverProvider

    public func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        log.withLock { $0.append((method, params)) }
        if let fault = world.withLock({ w -> (code: String, message: String)? in
            guard var list = w.faults[method], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            w.faults[method] = list
            return first
        }) {
            throw Self.error(fault.code, fault.message)
        }
        switch method {
        case "engine.ping": return ["ok": true]
        case "engine.capabilities":
            guard let answer = capabilities.withLock({ $0 }) else { break }
            return .object(answer)
        case "engine.version":
            return ["api_version": "1.47", "engine_api_version": "1.47", "engine_version": "fake", "min_api_version": "1.24",
                    "os": "linux", "arch": "amd64"]
        case "image.inspect", "image.pull": return try image(method, params)
        case let m where m.hasPrefix("network."): return try network(m, params)
        case let m where m.hasPrefix("container."): return try await container(m, params)
        default: break
        }
        throw PluginError(status: Int32(AGENT_E_UNSUPPORTED), code: "unknown_method", message: "no method '\(method)'")
    }

    public func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError)
        -> EventSubscription
    {
        for key in ["type", "event", "label"] {
            if let v = filter[key], v.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
                throw PluginError(code: "bad_params", message: "filter.\(key) must be an array of strings", field: "filter.\(key)")
            }
        }
        return hub.subscribe(filter: filter, onEvent: onEvent)
    }

    // MARK: shared helpers

    /// Sends a container event to every subscriber whose filter matches.
    func publish(_ action: String, _ c: FakeEngineState.Container, extra: JSONObject = [:]) {
        hub.publish(action, c, extra: extra)
    }

    static func stop(_ c: inout FakeEngineState.Container, exitCode: Int) {
        c.status = "exited"
        c.exitCode = exitCode
        c.pid = 0
        c.deviceNodes = [:]
        c.finishedAt = "2026-01-01T00:00:01Z"
        for i in c.endpoints.indices {
            c.endpoints[i].ip = ""
            c.endpoints[i].mac = ""
        }
    }

    /// A driver error with the status the Docker driver gives that code.
    static func error(_ code: String, _ message: String, field: String? = nil) -> PluginError {
        let status: Int32 =
            switch code {
            case "engine_not_found": Int32(AGENT_E_NOT_FOUND)
            case "engine_conflict": Int32(AGENT_E_BUSY)
            case "engine_timeout": Int32(AGENT_E_TIMEOUT)
            case "engine_error", "engine_unreachable", "engine_bad_response": Int32(AGENT_E_IO)
            default: Int32(AGENT_E_INVALID_ARGUMENT)
            }
        return PluginError(status: status, code: code, message: message, field: field)
    }

    static func string(_ params: JSONObject, _ key: String) throws(PluginError) -> String {
        guard let s = params[key]?.stringValue, !s.isEmpty else {
            throw PluginError(code: "bad_params", message: "'\(key)' must be a non-empty string", field: key)
        }
        return s
    }
}

import AgentJSON
import AgentPluginKit
import CAgentABI
import Synchronization

/// A host network view behind `agent.netmon` (the listener's method catalogue in
/// docs/plugins.md): an interface table the test sets, sidecar commands recorded and answered
/// by the test's handler (default `{"success": true}`), and events the test pushes.
public final class FakeNetmon: NetmonProvider, Sendable {
    /// Answers one sidecar command (its fields, `command` included); throw ``PluginError`` for a
    /// sidecar error.
    public typealias CommandHandler = @Sendable (JSONObject) throws(PluginError) -> JSONObject

    private let table = Mutex<[String: JSONObject]>([:])
    private let handlers = Mutex<[String: CommandHandler]>([:])
    private let recorded = Mutex<[JSONObject]>([])
    private let subscribers = Mutex<[UInt64: @Sendable (String, JSONObject) -> Void]>([:])
    private let nextSubscription = Atomic<UInt64>(1)

    /// A view with no interfaces.
    public init() {}

    /// An InterfaceInfo object as the sidecar reports it: one IPv4 address with its subnet.
    public static func interface(
        _ name: String, address: String, prefix: Int, subnet: String, gateway: String? = nil, type: String = "ethernet",
        mac: String = "02:00:00:00:00:01"
    ) -> JSONObject {
        [
            "interface": .string(name), "index": 2, "operstate": "up", "status": "up", "type": .string(type), "virtual": false,
            "mac_address": .string(mac), "mtu": 1500,
            "ipv4_addresses": [["address": .string(address), "prefixlen": .number(Double(prefix)), "subnet": .string(subnet),
                                "network_address": .string(String(subnet.split(separator: "/").first ?? ""))]],
            "gateway": gateway.map { .string($0) } ?? .null, "timestamp": "2026-01-01T00:00:00Z",
        ]
    }

    /// Puts (or replaces) an interface in the table.
    public func set(_ info: JSONObject) {
        guard let name = info["interface"]?.stringValue else { return }
        table.withLock { $0[name] = info }
    }

    /// Answers sidecar command `name` with `handler` from now on.
    public func onCommand(_ name: String, _ handler: @escaping CommandHandler) {
        handlers.withLock { $0[name] = handler }
    }

    /// Every sidecar command asked so far, in order (each with its `command` field).
    public var commands: [JSONObject] { recorded.withLock { $0 } }

    /// The commands named `name`.
    public func commands(_ name: String) -> [JSONObject] { commands.filter { $0["command"]?.stringValue == name } }

    /// Delivers one event to every subscriber (e.g. `dhcp_update`, `network_change`,
    /// `netmon.connected`).
    public func emit(_ kind: String, _ payload: JSONObject = [:]) {
        for deliver in subscribers.withLock({ Array($0.values) }) { deliver(kind, payload) }
    }

    public func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        switch method {
        case "interfaces":
            let all = table.withLock { t in t.keys.sorted().compactMap { t[$0] } }
            return ["connected": true, "interfaces": .array(all.map { .object($0) })]
        case "interface":
            guard let name = params["name"]?.stringValue else {
                throw PluginError(code: "bad_params", message: "'name' is required", field: "name")
            }
            guard let info = table.withLock({ $0[name] }) else {
                throw PluginError(status: Int32(AGENT_E_NOT_FOUND), code: "unknown_interface", message: "no interface \(name)")
            }
            return .object(info)
        case "status":
            return ["connected": true, "socket": "fake", "reconnects": 0, "events": 0, "reconnect_requests": 0]
        case "version":
            return ["version": "fake"]
        case "command":
            guard let name = params["command"]?.stringValue else {
                throw PluginError(code: "bad_params", message: "'command' is required", field: "command")
            }
            recorded.withLock { $0.append(params) }
            guard let handler = handlers.withLock({ $0[name] }) else { return ["success": true] }
            return .object(try handler(params))
        default:
            throw PluginError(status: Int32(AGENT_E_UNSUPPORTED), code: "unknown_method", message: "no method '\(method)'")
        }
    }

    public func subscribe(onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError) -> EventSubscription {
        let id = nextSubscription.add(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = onEvent }
        return EventSubscription { [weak self] in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
    }
}

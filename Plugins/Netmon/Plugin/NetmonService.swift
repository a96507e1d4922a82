import AgentJSON
import AgentPluginKit
import Logging
import NetmonCache

/// The plugin's `agent.netmon` provider: the sidecar client plus what it learned.
///
/// Methods (`invoke`):
/// - `interfaces` → `{"connected": Bool, "interfaces": [InterfaceInfo]}` (sorted by name)
/// - `interface` `{name}` → the InterfaceInfo, or `unknown_interface`
/// - `devices` → `{"connected": Bool, "devices": [device info]}` (the sidecar's serial devices,
///   sorted by path)
/// - `status` → `{"connected", "socket", "reconnects", "events", "reconnect_requests", "last_event_at"?}`
/// - `command` `{command: NAME, ...fields}` → the sidecar's reply without `id`; a reply with
///   `success: false` is thrown as its `code` (else `netmon_error`), `error` and `field`.
///
/// Events (`subscribe`): every sidecar event as `(type, data)`, plus `netmon.connected` /
/// `netmon.disconnected` with `{}` so consumers can resync.
final class NetmonService: NetmonProvider {
    let settings: NetmonSettings
    let state: NetworkState
    let client: NetmonClient

    init(host: PluginHost, settings: NetmonSettings) {
        let logger = host.logger(label: NetmonPlugin.id)
        let state = NetworkState(host: host, logger: logger)
        self.settings = settings
        self.state = state
        self.client = NetmonClient(settings: settings, logger: logger) { signal in state.handle(signal) }
    }

    /// Starts connecting in the background.
    func start() { client.start() }

    /// Closes the link, stops reconnecting, fails waiting commands and ends every subscription.
    func shutdown() async {
        await client.stop()
        state.hub.closeAll()
    }

    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        do {
            return try await run(method, params)
        } catch {
            throw error.pluginError
        }
    }

    func subscribe(onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError) -> EventSubscription {
        state.hub.add(onEvent)
    }

    private func run(_ method: String, _ params: JSONObject) async throws(NetmonError) -> JSONValue {
        switch method {
        case "interfaces":
            return ["connected": .bool(client.isConnected), "interfaces": .array(state.cache.sorted.map { .object($0.json) })]
        case "interface":
            guard let name = params["name"]?.stringValue, !name.isEmpty else {
                throw NetmonError(.badParams, "interface: 'name' must be a non-empty string", field: "name")
            }
            guard let entry = state.cache[name] else {
                throw NetmonError(.unknownInterface, "no interface '\(name)' is known to netmon", field: "name")
            }
            return .object(entry.json)
        case "devices":
            return ["connected": .bool(client.isConnected), "devices": .array(state.devices.sorted.map { .object($0) })]
        case "status":
            return .object(status())
        case "command":
            return .object(try await command(params))
        case "version":
            // The sidecar's version (`get_status`), for get_orchestrator_version.
            // harmless: a query; "unknown" is the answer when the sidecar cannot say
            let reply = try? await command(["command": "get_status"])
            return ["version": reply?["version"] ?? "unknown", "listener": .string(NetmonPlugin.version)]
        default:
            throw NetmonError(
                .unknownMethod, "agent.netmon has no method '\(method)' (interfaces, interface, devices, status, command, version)")
        }
    }

    private func status() -> JSONObject {
        let counters = state.counters
        var o: JSONObject = [
            "connected": .bool(client.isConnected), "socket": .string(settings.socketPath),
            "reconnects": .number(Double(max(0, client.connections - 1))), "events": .number(Double(counters.events)),
            "reconnect_requests": .number(Double(counters.reconnectRequests)),
        ]
        if let at = counters.lastEventAt { o["last_event_at"] = .string(at) }
        return o
    }

    /// Forwards `{command, ...}` and answers the reply, or throws the sidecar's refusal.
    func command(_ params: JSONObject) async throws(NetmonError) -> JSONObject {
        guard let name = params["command"]?.stringValue, !name.isEmpty else {
            throw NetmonError(.badParams, "command: 'command' must be a non-empty string", field: "command")
        }
        let reply = try await client.send(params)
        guard reply["success"]?.boolValue != false else {
            let code = reply["code"]?.stringValue.map(NetmonError.Code.init) ?? .sidecarError
            throw NetmonError(
                code, reply["error"]?.stringValue ?? "netmon refused '\(name)'", field: reply["field"]?.stringValue)
        }
        return reply
    }
}

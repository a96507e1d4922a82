import AgentJSON
import AgentPluginKit

/// `libagent-netmon.so`: the agent side of the network monitor. It keeps one connection to the
/// netmon sidecar's unix socket, holds the host's interface and serial-device tables from its events, answers
/// `get_host_interfaces` and `get_serial_devices`, and offers the sidecar to other plugins as `agent.netmon`.
///
/// Config (`plugins.load[].config`, see ``NetmonSettings``): `socket` (default
/// `/var/orchestrator/netmon.sock`), `command_timeout_ms` (default 15000), `reconnect_ms` (first
/// retry delay, default 500, doubling up to 5000). Connecting starts at load and never blocks it.
package struct NetmonPlugin: AgentPlugin {
    package static let id = "io.autonomy.netmon"
    package static let version = "0.1.0"

    let service: NetmonService

    package init(host: PluginHost, config: JSONObject) throws {
        let settings: NetmonSettings
        do {
            settings = try NetmonSettings(config: config)
        } catch {
            throw error.pluginError
        }
        service = NetmonService(host: host, settings: settings)
        service.start()
    }

    package var topics: [Topic] {
        [HostInterfacesTopic(state: service.state).topic, SerialDevicesTopic(state: service.state).topic]
    }

    package var netmon: (any NetmonProvider)? { service }

    package func shutdown() async { await service.shutdown() }
}

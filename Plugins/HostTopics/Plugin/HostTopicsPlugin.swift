import AgentJSON
import AgentPluginKit
import HostMetrics

/// `libagent-host-topics.so`: host-level duties that are not the core's: the heartbeat and
/// `get_consumption_orchestrator` (host usage recorded every `usage_interval_ms`, daemon only).
///
/// Config (`plugins.load[].config`): `heartbeat_interval_ms` (default 5000), `host_root`
/// (default "/"; e.g. "/host" when the agent runs in a container with the host's / mounted
/// there, so the heartbeat measures the host, not the container).
package struct HostTopicsPlugin: AgentPlugin {
    package static let id = "io.autonomy.host-topics"
    package static let version = "0.1.0"

    let heartbeat: HeartbeatEmitter
    let consumption: ConsumptionTopic

    package init(host: PluginHost, config: JSONObject) throws {
        let interval = config["heartbeat_interval_ms"]?.numberValue ?? 5000
        guard interval >= 100, interval <= 3_600_000 else {
            throw PluginError(
                code: "bad_config", message: "heartbeat_interval_ms must be between 100 and 3600000",
                field: "config.heartbeat_interval_ms")
        }
        let root = config["host_root"]?.stringValue ?? "/"
        let usageInterval = config["usage_interval_ms"]?.numberValue ?? 5000
        guard usageInterval >= 100, usageInterval <= 3_600_000 else {
            throw PluginError(
                code: "bad_config", message: "usage_interval_ms must be between 100 and 3600000",
                field: "config.usage_interval_ms")
        }
        let sampler = HostMetricsSampler(hostRoot: root)
        let diskTotal = sampler.sample().diskTotalGB
        heartbeat = HeartbeatEmitter(host: host, sampler: sampler, intervalMilliseconds: Int(interval))
        heartbeat.start()
        // Only a daemon records history; a one-shot `invoke` answers the static facts.
        let daemon = host.config("agent.mode")?.stringValue == "daemon"
        let recorder =
            daemon ? UsageRecorder(sampler: HostMetricsSampler(hostRoot: root), intervalMilliseconds: Int(usageInterval)) : nil
        recorder?.start()
        consumption = ConsumptionTopic(info: HostInfo.read(hostRoot: root, diskTotalGB: diskTotal), recorder: recorder)
    }

    package var topics: [Topic] { [consumption.topic] }

    package func shutdown() async {
        await heartbeat.stop()
        await consumption.recorder?.stop()
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import Synchronization

/// `libagent-runtime.so`: the vPLC topics (create, delete, start, stop, restart, status, list,
/// run_command, consumption, self-destruct, version) on top of the registry's container driver.
///
/// Config: see ``RuntimeSettings`` and docs/runtime-containers.md.
package struct RuntimePlugin: AgentPlugin {
    package static let id = "io.autonomy.runtime"
    package static let version = "0.1.0"

    let service: VPLCService

    package init(host: PluginHost, config: JSONObject) throws {
        service = VPLCService(host: host, settings: try RuntimeSettings(config: config))
        if !service.oneShot {
            let s = service
            let task = Task { await s.recover() }
            service.background.withLock { $0.append(task) }
        }
    }

    package var topics: [Topic] { service.topics }

    package func shutdown() async { await service.shutdown() }
}

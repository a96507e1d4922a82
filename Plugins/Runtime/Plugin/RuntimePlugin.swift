import AgentJSON
import AgentPluginKit
import Logging
import Synchronization

/// `libagent-runtime.so`: the vPLC topics (create, delete, start, stop, restart, status, list,
/// run_command, consumption, self-destruct, version) on top of the registry's container driver.
///
/// Config: see ``RuntimeSettings`` and docs/runtime-containers.md.
struct RuntimePlugin: AgentPlugin {
    static let id = "io.autonomy.runtime"
    static let version = "0.1.0"

    let service: VPLCService

    init(host: PluginHost, config: JSONObject) throws {
        service = VPLCService(host: host, settings: try RuntimeSettings(config: config))
        if !service.oneShot {
            let s = service
            let task = Task { await s.recover() }
            service.background.withLock { $0.append(task) }
        }
    }

    var topics: [Topic] { service.topics }

    func shutdown() async { await service.shutdown() }
}

@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: RuntimePlugin.self)
}

import AgentJSON
import AgentPluginKit

/// `libagent-transport-mtls.so`: the `agent.transport` implementation — Socket.IO v5 over an
/// mTLS WebSocket to the cloud (docs/cloud-protocol.md, docs/security.md).
struct TransportPlugin: AgentPlugin {
    static let id = "io.autonomy.transport-mtls"
    static let version = "0.1.0"

    let cloud: CloudTransport

    init(host: PluginHost, config: JSONObject) throws {
        cloud = CloudTransport(host: host)
    }

    var topics: [Topic] { [] }
    var transport: (any TransportProvider)? { cloud }

    func shutdown() async { await cloud.stop() }
}

@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: TransportPlugin.self)
}

import AgentJSON
import AgentPluginKit

/// `libagent-transport-mtls.so`: the `agent.transport` implementation — Socket.IO v5 over an
/// mTLS WebSocket to the cloud (docs/cloud-protocol.md, docs/security.md).
package struct TransportPlugin: AgentPlugin {
    package static let id = "io.autonomy.transport-mtls"
    package static let version = "0.1.0"

    let cloud: CloudTransport

    package init(host: PluginHost, config: JSONObject) throws {
        cloud = CloudTransport(host: host)
    }

    package var topics: [Topic] { [] }
    package var transport: (any TransportProvider)? { cloud }

    package func shutdown() async { await cloud.stop() }
}

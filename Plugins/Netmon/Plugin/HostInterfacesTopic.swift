import AgentContracts
import AgentJSON
import AgentPluginKit
import NetmonCache

/// `get_host_interfaces` (spec §2.6): the host's interfaces from the listener's cache (never a
/// live query). Contract: `BASE_MESSAGE` + `include_virtual` / `detailed`, optional booleans
/// (defaults false / true), with upstream's `add_defaults`.
struct HostInterfacesTopic: Sendable {
    static let name = "get_host_interfaces"
    static let contract = NetmonContracts.hostInterfaces
    /// The longest wait for the first discovery after start-up.
    static let startupWait: Duration = .seconds(2)

    let state: NetworkState

    var topic: Topic {
        let state = self.state
        return Topic(Self.name, contract: Self.contract.readingOnly(), addDefaults: true) { request in
            await state.gate.wait(timeout: Self.startupWait)
            do throws(NetmonCacheError) {
                return try HostInterfacesReport.build(from: state.cache, options: .init(message: request.message))
            } catch {
                throw NetmonError(error).pluginError
            }
        }
    }
}

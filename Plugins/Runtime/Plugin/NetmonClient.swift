import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The host network's monitor as the runtime's collaborators use it: the registry's
/// `agent.netmon` (the listener plugin in front of the netmon sidecar), looked up at every call
/// (it may load after this plugin, or not at all). ``Netmon`` is the real one; a test puts a
/// fake in its place.
protocol NetmonClient: Sendable {
    /// Whether a listener is loaded now.
    var isAvailable: Bool { get }

    /// Sends one sidecar command (`start_dhcp`, `set_link_mac`, …) and answers its reply.
    /// - Throws: ``RuntimeError`` `netmon_unavailable` without a listener, else the sidecar's or
    ///   the listener's code (`netmon_timeout`, `interface_not_found`, …).
    func command(_ name: String, _ fields: JSONObject) async throws(RuntimeError) -> JSONObject

    /// The subnet and default gateway of host interface `name`, nil when the listener is
    /// missing, does not know it, or it has no IPv4 address (a failed question is logged).
    func lan(of name: String) async -> (IPv4Network, IPv4?)?

    /// The listener's interface table (`{"interfaces": [...]}`); nil without a listener.
    /// - Throws: the listener's error.
    func interfaceTable() async throws(PluginError) -> JSONObject?

    /// The listener's events (`network_discovery`, `network_change`, `dhcp_update`,
    /// `netmon.connected`); nil without a listener.
    /// - Throws: the listener's refusal to subscribe.
    func events() throws(PluginError) -> AsyncStream<ProtocolEvent>?

    /// What the listener answers to `version`; nil without a listener or when it cannot answer.
    func version() async -> JSONValue?
}

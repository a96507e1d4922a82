import AgentJSON

/// What a plugin implements to be the agent's view of the host network (`agent.netmon`),
/// usually by listening to the netmon sidecar.
///
/// The SDK turns it into an `agent_netmon_v1` vtable registered under the plugin id. Methods are
/// JSON operations (`"interfaces"`, `"interface"`, `"status"`, `"command"`; catalogue in
/// docs/plugins.md). All methods may be called from any thread, concurrently.
public protocol NetmonProvider: Sendable {
    /// Runs one method. The `agent.netmon` vtable has no `cancel`: a call ends by itself (answer,
    /// error or the implementation's own timeout).
    /// - Throws: ``PluginError`` with a stable code (e.g. `netmon_unavailable`, `netmon_timeout`,
    ///   `unknown_interface`, `unknown_method`).
    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue

    /// Starts delivering network events. `onEvent(kind, payload)` may be called from any thread,
    /// one call at a time and in order, until ``EventSubscription/cancel()`` returns; never after.
    /// Kinds are the sidecar's event types (`"network_change"`, `"dhcp_update"`, …) plus
    /// `"netmon.connected"` / `"netmon.disconnected"` when the link to the sidecar changes.
    func subscribe(onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError) -> EventSubscription
}

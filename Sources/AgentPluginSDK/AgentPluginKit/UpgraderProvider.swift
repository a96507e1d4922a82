import AgentJSON

/// What a plugin implements to be the agent's way of replacing itself (`agent.upgrader`, since
/// ABI 1.1): the swap half of a self-upgrade. The host keeps the health gate, the site-config
/// pins and the verdict; the provider knows the deployment (containers, units, …).
///
/// The SDK turns it into an `agent_upgrader_v1` vtable registered under the plugin id. Methods
/// are JSON operations on one swap at a time per token — `"swap.prepare"`, `"swap.begin"`,
/// `"swap.status"`, `"swap.commit"`, `"swap.rollback"` (catalogue and schemas in
/// docs/plugins.md). The contract a provider keeps: `swap.prepare` changes nothing; after it,
/// whatever `swap.begin` did (or got halfway through) is undone by `swap.rollback`; a token ends
/// with exactly one `swap.commit` or `swap.rollback`.
public protocol UpgraderProvider: Sendable {
    /// Runs one method. Honour task cancellation: the caller's `cancel` cancels this task.
    /// - Throws: ``PluginError`` with a stable code (`target_not_found`, `create_failed`,
    ///   `rollback_failed`, `unknown_token`, `unknown_method`, …).
    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue
}

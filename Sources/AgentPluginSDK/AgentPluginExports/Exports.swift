// AgentPluginExports carries no code: a plugin library that depends on it is linked with the
// SDK's export list (plugin.map), so the library exports agent_plugin_entry_v* and nothing else
// (its copies of the SDK, swift-log, … never interpose with the agent's or another plugin's).

/// Marks a plugin library as linked with the SDK's export list (nothing to call).
public enum AgentPluginExports {
    /// The export list's file name inside the SDK package.
    public static let exportList = "plugin.map"
}

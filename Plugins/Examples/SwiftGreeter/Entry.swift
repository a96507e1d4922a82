import AgentPluginKit

/// The one symbol this library exports (see Plugins/plugin.map).
@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: GreeterPlugin.self)
}

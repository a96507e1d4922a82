import AgentPluginKit
import NetmonListener

/// The library's one exported symbol: the plugin descriptor for ``NetmonPlugin``. It lives in a target
/// of its own so that test bundles can link the plugin's code (several plugins at once) without
/// several `agent_plugin_entry_v1` symbols.
@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: NetmonPlugin.self)
}

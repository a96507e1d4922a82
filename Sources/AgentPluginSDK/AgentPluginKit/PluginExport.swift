import CAgentABI
import AgentJSON
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Builds the C descriptor for an ``AgentPlugin`` type. Call it from the one exported entry
/// point of the shared library:
///
/// ```swift
/// @_cdecl("agent_plugin_entry_v1")
/// public func agentPluginEntryV1(_ major: UInt32, _ minor: UInt32) -> UnsafeRawPointer {
///     PluginExport.descriptor(for: MyPlugin.self)
/// }
/// ```
///
/// The descriptor, its strings and the topic vtable are allocated once and live until process
/// exit (plugins are never unloaded). Calling it again returns the same pointer; a library
/// that exports two different plugin types is a programming error (the first one wins).
public enum PluginExport {
    /// The descriptor for `plugin`, as the `const agent_plugin_descriptor *` the ABI expects.
    public static func descriptor<P: AgentPlugin>(for plugin: P.Type) -> UnsafeRawPointer {
        ExportedPlugin.shared.withLock { slot in
            if let existing = slot { return UnsafeRawPointer(existing.descriptor) }
            let made = ExportedPlugin(P.self)
            slot = made
            return UnsafeRawPointer(made.descriptor)
        }
    }

    /// The exported plugin, if the entry point ran (used by the C callbacks).
    static var current: ExportedPlugin? { ExportedPlugin.shared.withLock { $0 } }
}

/// The one plugin type this library exports, with its C descriptor. Immutable after creation.
final class ExportedPlugin: Sendable {
    /// Write-once slot: set by the first call of the entry point, never changed afterwards.
    static let shared = Mutex<ExportedPlugin?>(nil)

    let make: @Sendable (PluginHost, JSONObject) throws -> any AgentPlugin
    let pluginID: String
    nonisolated(unsafe) let descriptor: UnsafeMutablePointer<agent_plugin_descriptor>

    init<P: AgentPlugin>(_ type: P.Type) {
        make = { host, config in try P(host: host, config: config) }
        pluginID = P.id
        descriptor = .allocate(capacity: 1)
        descriptor.initialize(
            to: agent_plugin_descriptor(
                magic: AGENT_ABI_MAGIC,
                struct_size: UInt32(MemoryLayout<agent_plugin_descriptor>.size),
                abi_major: UInt16(AGENT_ABI_MAJOR),
                abi_minor: UInt16(AGENT_ABI_MINOR),
                plugin_id: UnsafePointer(strdup(P.id)),
                plugin_version: UnsafePointer(strdup(P.version)),
                toolchain: agent_swift_toolchain_id(),
                flags: 0,
                init: pluginInit,
                register_protocols: pluginRegister,
                shutdown: pluginShutdown
            ))
    }
}

/// The topic vtable shared by every Swift plugin's topics (allocated once per library; the
/// instance pointer tells the topics apart).
nonisolated(unsafe) let topicVTable: UnsafeMutablePointer<agent_topic_handler_v1> = {
    let vt = UnsafeMutablePointer<agent_topic_handler_v1>.allocate(capacity: 1)
    vt.initialize(
        to: agent_topic_handler_v1(
            header: agent_vtable_header(
                struct_size: UInt32(MemoryLayout<agent_topic_handler_v1>.size), protocol_major: 1, protocol_minor: 0),
            handle: topicHandle,
            cancel: topicCancel
        ))
    return vt
}()

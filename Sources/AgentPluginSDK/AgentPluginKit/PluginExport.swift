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
/// exit (plugins are never unloaded). Calling it again for the same plugin id returns the same
/// pointer; a library exports one plugin type.
public enum PluginExport {
    /// The descriptor for `plugin`, as the `const agent_plugin_descriptor *` the ABI expects.
    public static func descriptor<P: AgentPlugin>(for plugin: P.Type) -> UnsafeRawPointer {
        ExportedPlugins.shared.descriptor(for: P.self)
    }
}

/// The Swift plugins exported through this copy of the SDK. A plugin built against the SDK
/// package alone has its own copy and exports one. In the agent's process the first-party plugins
/// share one copy (libAgentShared.so, docs/architecture.md), so it holds one entry per plugin id.
/// The descriptor's C `init` carries no context to tell them apart, so each entry gets its own
/// `init` function: the trampoline of its slot.
final class ExportedPlugins: Sendable {
    /// This copy of the SDK's exports.
    static let shared = ExportedPlugins()

    private let slots = Mutex<[ExportedPlugin]>([])

    /// The descriptor of the plugin with `P.id`, made on the first call (later calls with the same
    /// id, from this library or a copy of it, answer the first descriptor). When every slot is
    /// taken the descriptor's `init` refuses with `too_many_plugins`.
    func descriptor<P: AgentPlugin>(for type: P.Type) -> UnsafeRawPointer {
        slots.withLock { slots in
            if let existing = slots.first(where: { $0.pluginID == P.id }) { return UnsafeRawPointer(existing.descriptor) }
            guard slots.count < initTrampolines.count else {
                return UnsafeRawPointer(ExportedPlugin(P.self, init: initOverflow).descriptor)
            }
            let made = ExportedPlugin(P.self, init: initTrampolines[slots.count])
            slots.append(made)
            return UnsafeRawPointer(made.descriptor)
        }
    }

    /// The plugin of export slot `slot`, if one was exported there.
    func plugin(at slot: Int) -> ExportedPlugin? {
        slots.withLock { slot < $0.count ? $0[slot] : nil }
    }
}

/// One exported plugin type with its C descriptor. Immutable after creation.
final class ExportedPlugin: Sendable {
    let make: @Sendable (PluginHost, JSONObject) throws -> any AgentPlugin
    let pluginID: String
    nonisolated(unsafe) let descriptor: UnsafeMutablePointer<agent_plugin_descriptor>

    init<P: AgentPlugin>(_ type: P.Type, init initFunction: InitFunction) {
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
                init: initFunction,
                register_protocols: pluginRegister,
                shutdown: pluginShutdown
            ))
    }
}

/// The topic vtable shared by every Swift plugin's topics (allocated once per copy of the SDK;
/// the instance pointer tells the topics apart).
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

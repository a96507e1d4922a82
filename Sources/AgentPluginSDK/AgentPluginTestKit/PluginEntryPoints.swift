@_spi(HostDouble) import AgentPluginKit
import CAgentABI
#if canImport(Glibc)
import Glibc
#endif

/// The three calls a host makes on a plugin, from a Swift type (``PluginEntry``) or from a
/// shared library's descriptor — the test host drives both the same way.
struct PluginEntryPoints: @unchecked Sendable {
    let id: String
    let version: String
    let toolchain: String
    let initialize: (UnsafePointer<agent_host_api>, [UInt8], inout UnsafeMutableRawPointer?, inout agent_owned_bytes) -> Int32
    let register: (UnsafeMutableRawPointer?, UnsafePointer<agent_registrar>) -> Int32
    let shutdown: (UnsafeMutableRawPointer?) -> Void

    /// A Swift plugin type linked into the test.
    init(swift entry: PluginEntry) {
        id = entry.id
        version = entry.version
        toolchain = String(cString: agent_swift_toolchain_id())
        initialize = { host, config, state, error in entry.initialize(host: host, config: config, state: &state, error: &error) }
        register = { state, registrar in
            guard let state else { return Int32(AGENT_E_INVALID_ARGUMENT) }
            return entry.register(state: state, registrar: registrar)
        }
        shutdown = { state in if let state { entry.shutdown(state: state) } }
    }

    /// A shared library: opened as the agent opens plugins, its descriptor checked as the agent
    /// checks it (magic, ABI major, minor not newer, toolchain equal unless `none`).
    init(library path: String) throws(TestKitError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw TestKitError(.libraryUnusable, "\(path): \(dlerror().map { String(cString: $0) } ?? "dlopen failed")")
        }
        guard let symbol = dlsym(handle, AGENT_PLUGIN_ENTRY_V1_NAME) else {
            throw TestKitError(.libraryUnusable, "\(path) exports no \(AGENT_PLUGIN_ENTRY_V1_NAME)")
        }
        let entry = unsafeBitCast(symbol, to: agent_plugin_entry_v1_fn.self)
        guard let d = entry(UInt32(AGENT_ABI_MAJOR), UInt32(AGENT_ABI_MINOR)) else {
            throw TestKitError(.descriptorRefused, "\(path): the entry point returned no descriptor")
        }
        let desc = d.pointee
        guard desc.magic == AGENT_ABI_MAGIC, desc.abi_major == UInt16(AGENT_ABI_MAJOR) else {
            throw TestKitError(.descriptorRefused, "\(path): not an ABI \(AGENT_ABI_MAJOR) plugin (magic or major differs)")
        }
        guard desc.abi_minor <= UInt16(AGENT_ABI_MINOR) else {
            throw TestKitError(.descriptorRefused, "\(path): built for ABI minor \(desc.abi_minor), this host speaks \(AGENT_ABI_MINOR)")
        }
        let toolchain = desc.toolchain.map { String(cString: $0) } ?? ""
        let mine = String(cString: agent_swift_toolchain_id())
        guard toolchain == AGENT_TOOLCHAIN_NONE || toolchain == mine else {
            throw TestKitError(
                .descriptorRefused, "\(path): built by toolchain '\(toolchain)', this host by '\(mine)'; rebuild it with this toolchain")
        }
        guard let initFn = desc.`init`, let registerFn = desc.register_protocols, let shutdownFn = desc.shutdown,
            let idPtr = desc.plugin_id
        else { throw TestKitError(.descriptorRefused, "\(path): the descriptor lacks init, register, shutdown or id") }
        id = String(cString: idPtr)
        version = desc.plugin_version.map { String(cString: $0) } ?? ""
        self.toolchain = toolchain
        initialize = { host, config, state, error in
            config.withUnsafeBufferPointer { c in
                initFn(host, agent_bytes(ptr: c.baseAddress, len: c.count), &state, &error)
            }
        }
        register = { state, registrar in registerFn(state, registrar) }
        shutdown = { state in shutdownFn(state) }
    }
}

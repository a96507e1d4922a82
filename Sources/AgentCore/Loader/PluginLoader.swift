import AgentJSON
import CAgentABI
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A plugin that loaded: what the host needs to shut it down. Pointers live until exit.
struct LoadedPlugin: @unchecked Sendable {
    let id: String
    let descriptor: UnsafePointer<agent_plugin_descriptor>
    let state: UnsafeMutableRawPointer?
}

/// Loads the plugins a site config allows, one by one, refusing any that fails a rule.
///
/// The procedure per plugin (docs/plugins.md, "Loading"): deny list → file checks (no symlink,
/// regular file, owner, no group/other write on the file and its folders) → SHA-256 of the
/// opened file against the pin → `dlopen("/proc/self/fd/N", RTLD_NOW|RTLD_LOCAL|RTLD_NODELETE)`
/// → entry symbol → magic, struct size, ABI major/minor, toolchain, id → `init` →
/// `register_protocols` (committed all-or-nothing). A refused plugin never stops the agent.
/// Libraries are never `dlclose`d.
struct PluginLoader {
    let services: AgentServices
    /// uids that may own plugin files and folders: root and the agent's own user.
    let allowedOwners: Set<uid_t>

    init(services: AgentServices, allowedOwners: Set<uid_t> = [0, geteuid()]) {
        self.services = services
        self.allowedOwners = allowedOwners
    }

    /// Loads every allowlisted plugin in config order.
    func loadAll() -> (records: [PluginRecord], loaded: [LoadedPlugin]) {
        var records: [PluginRecord] = []
        var loaded: [LoadedPlugin] = []
        let config = services.config.config
        for entry in config.plugins {
            let (record, plugin) = load(entry, denied: config.deny.contains(entry.id))
            records.append(record)
            if let plugin { loaded.append(plugin) }
            switch record.state {
            case .loaded:
                services.logger.info(
                    "plugin loaded",
                    metadata: ["plugin": "\(entry.id)", "version": "\(record.version ?? "?")",
                               "registrations": "\(record.registrations.joined(separator: ","))",
                               "load_us": "\(record.loadMicroseconds ?? 0)"])
            case .refused(let r) where r.code == .denied:
                // As configured (e.g. the packaged Podman driver while Docker is the engine): no error.
                services.logger.notice(
                    "plugin not loaded: \(r.message)", metadata: ["plugin": "\(entry.id)", "reason": "\(r.code)"])
            case .refused(let r), .failed(let r):
                services.logger.error(
                    "plugin not loaded: \(r.message)", metadata: ["plugin": "\(entry.id)", "reason": "\(r.code)"])
            }
        }
        return (records, loaded)
    }

    /// Loads one plugin entry.
    func load(_ entry: SiteConfig.PluginEntry, denied: Bool) -> (PluginRecord, LoadedPlugin?) {
        var record = PluginRecord(id: entry.id, path: entry.path, state: .refused(PluginRefusal(.denied, "")))
        if denied {
            record.state = .refused(PluginRefusal(.denied, "plugin '\(entry.id)' is on the site's deny list"))
            return (record, nil)
        }
        let started = hostMonotonicNow(nil)
        do {
            let descriptor = try open(entry, record: &record)
            let plugin = try initialise(entry, descriptor: descriptor, record: &record)
            record.state = .loaded
            record.loadMicroseconds = Int((hostMonotonicNow(nil) - started) / 1000)
            return (record, plugin)
        } catch {
            if record.version == nil {
                record.state = .refused(error)
            } else {
                record.state = [.initFailed, .registrationFailed, .duplicateRegistration].contains(error.code)
                    ? .failed(error) : .refused(error)
            }
            return (record, nil)
        }
    }

    /// Checks, hashes, maps and validates the descriptor.
    private func open(_ entry: SiteConfig.PluginEntry, record: inout PluginRecord) throws(PluginRefusal)
        -> UnsafePointer<agent_plugin_descriptor>
    {
        let file = try PluginFile.open(path: entry.path, allowedOwners: allowedOwners)
        record.sha256 = file.sha256
        guard file.sha256 == entry.sha256 else {
            file.close()
            throw PluginRefusal(
                .hashMismatch, "sha256 of '\(entry.path)' is \(file.sha256), the site config pins \(entry.sha256)")
        }
        let handle = try file.map()
        guard let symbol = dlsym(handle, AGENT_PLUGIN_ENTRY_V1_NAME) else {
            throw PluginRefusal(
                .missingEntry, "'\(entry.path)' exports no \(AGENT_PLUGIN_ENTRY_V1_NAME): not a plugin for ABI v1")
        }
        let entryFn = unsafeBitCast(symbol, to: agent_plugin_entry_v1_fn.self)
        guard let descriptor = entryFn(AGENT_ABI_MAJOR, AGENT_ABI_MINOR) else {
            throw PluginRefusal(.badDescriptor, "\(AGENT_PLUGIN_ENTRY_V1_NAME) returned no descriptor")
        }
        try Self.validate(descriptor, expectedID: entry.id, record: &record)
        return descriptor
    }

    /// The handshake rules on a descriptor.
    static func validate(
        _ descriptor: UnsafePointer<agent_plugin_descriptor>, expectedID: String, record: inout PluginRecord
    ) throws(PluginRefusal) {
        let raw = UnsafeRawPointer(descriptor)
        let magic = raw.loadUnaligned(as: UInt32.self)
        guard magic == AGENT_ABI_MAGIC else {
            throw PluginRefusal(.badMagic, "descriptor magic is 0x\(String(magic, radix: 16)), expected 0x41475031 (\"AGP1\")")
        }
        let d = descriptor.pointee
        record.abi = "\(d.abi_major).\(d.abi_minor)"
        guard d.abi_major == UInt16(AGENT_ABI_MAJOR) else {
            throw PluginRefusal(
                .abiMajor, "plugin speaks ABI major \(d.abi_major); this agent speaks \(AGENT_ABI_MAJOR) only — rebuild the plugin")
        }
        guard Int(d.struct_size) >= MemoryLayout<agent_plugin_descriptor>.size else {
            throw PluginRefusal(.badDescriptor, "descriptor is \(d.struct_size) bytes, ABI 1.0 needs \(MemoryLayout<agent_plugin_descriptor>.size)")
        }
        guard d.abi_minor <= UInt16(AGENT_ABI_MINOR) else {
            throw PluginRefusal(
                .abiMinorNewer,
                "plugin needs ABI 1.\(d.abi_minor); this agent offers 1.\(AGENT_ABI_MINOR) — upgrade the agent")
        }
        guard let idPtr = d.plugin_id, let versionPtr = d.plugin_version, let toolchainPtr = d.toolchain,
            d.`init` != nil, d.register_protocols != nil, d.shutdown != nil
        else { throw PluginRefusal(.badDescriptor, "descriptor has a NULL id, version, toolchain or function") }
        let toolchain = String(cString: toolchainPtr)
        record.toolchain = toolchain
        let hostToolchain = PluginCompatibility.toolchain
        guard toolchain == AGENT_TOOLCHAIN_NONE || toolchain == hostToolchain else {
            throw PluginRefusal(
                .toolchainMismatch,
                "plugin was built by '\(toolchain)', the agent by '\(hostToolchain)'; rebuild the plugin with the agent's toolchain "
                    + "(`orchestrator-agent --version --verbose` prints it)")
        }
        let id = String(cString: idPtr)
        guard id == expectedID else {
            throw PluginRefusal(.idMismatch, "the file declares plugin id '\(id)' but the site config entry is '\(expectedID)'")
        }
        guard d.flags == 0 else { throw PluginRefusal(.badDescriptor, "reserved descriptor flags are not zero") }
        record.version = String(cString: versionPtr)
    }

    /// Runs init and register_protocols; commits registrations only if both succeed.
    private func initialise(
        _ entry: SiteConfig.PluginEntry, descriptor: UnsafePointer<agent_plugin_descriptor>, record: inout PluginRecord
    ) throws(PluginRefusal) -> LoadedPlugin {
        let d = descriptor.pointee
        guard let initFn = d.`init`, let registerFn = d.register_protocols else {
            throw PluginRefusal(.badDescriptor, "descriptor lacks init or register_protocols")
        }
        let context = HostContext(pluginID: entry.id, pluginConfig: entry.config, services: services)
        var state: UnsafeMutableRawPointer? = nil
        var errorBody = agent_owned_none()
        let configBytes = JSONWriter.bytes(.object(entry.config))
        let status = configBytes.withUnsafeBufferPointer { c in
            initFn(UnsafePointer(context.api), agent_bytes(ptr: c.baseAddress, len: c.count), &state, &errorBody)
        }
        let body = HostBytes.take(errorBody)
        guard status == Int32(AGENT_OK) else {
            // harmless: an error body that is not JSON still fails the plugin, with its status
            let detail = (try? JSONParser.parse(body))?.objectValue
            let message = detail?["message"]?.stringValue ?? "status \(status)"
            let code = detail?["code"]?.stringValue.map { " [\($0)]" } ?? ""
            throw PluginRefusal(.initFailed, "init failed: \(message)\(code)")
        }
        let session = RegistrationSession(pluginID: entry.id, registry: services.registry)
        var registrar = agent_registrar(
            struct_size: UInt32(MemoryLayout<agent_registrar>.size),
            registrar_ctx: Unmanaged.passUnretained(session).toOpaque(),
            register_protocol: hostRegisterProtocol)
        let regStatus = registerFn(state, &registrar)
        let plugin = LoadedPlugin(id: entry.id, descriptor: descriptor, state: state)
        guard regStatus == Int32(AGENT_OK), session.failure == nil else {
            Self.shutdown(plugin)
            throw session.failure ?? PluginRefusal(.registrationFailed, "register_protocols returned status \(regStatus)")
        }
        if let clash = services.registry.commit(session.pending) {
            Self.shutdown(plugin)
            throw PluginRefusal(.duplicateRegistration, "'\(clash.protocolID)/\(clash.name)' is already registered")
        }
        record.registrations = session.pending.map { "\($0.protocolID)/\($0.name)" }
        return plugin
    }

    /// Calls a plugin's shutdown (never dlclose).
    static func shutdown(_ plugin: LoadedPlugin) {
        plugin.descriptor.pointee.shutdown?(plugin.state)
    }
}

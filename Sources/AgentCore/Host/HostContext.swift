import AgentJSON
import CAgentABI
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The host side of one plugin: its id (which namespaces its log lines and store keys), its
/// config section, and the `agent_host_api` table handed to its `init`.
///
/// Created once per plugin and never freed: the plugin may keep the table until process exit.
final class HostContext: @unchecked Sendable {
    let pluginID: String
    let pluginConfig: JSONObject
    let services: AgentServices
    let logger: Logger
    /// The C table; `host_ctx` points back at this object (retained forever).
    let api: UnsafeMutablePointer<agent_host_api>

    init(pluginID: String, pluginConfig: JSONObject, services: AgentServices) {
        self.pluginID = pluginID
        self.pluginConfig = pluginConfig
        self.services = services
        var logger = services.logger
        logger[metadataKey: "plugin"] = .string(pluginID)
        // `logging.plugins.<id>` gives this plugin its own level (the core's stays as it is).
        if let level = LogSettings.pluginLevel(for: pluginID, in: services.config.config.raw) { logger.logLevel = level }
        self.logger = logger
        self.api = .allocate(capacity: 1)
        api.initialize(
            to: agent_host_api(
                struct_size: UInt32(MemoryLayout<agent_host_api>.size),
                abi_major: UInt16(AGENT_ABI_MAJOR),
                abi_minor: UInt16(AGENT_ABI_MINOR),
                host_ctx: nil,
                log: hostLog,
                emit_event: hostEmitEvent,
                config_get: hostConfigGet,
                feature_enabled: hostFeatureEnabled,
                lookup_protocol: hostLookupProtocol,
                monotonic_now_ns: hostMonotonicNow,
                store_get: hostStoreGet,
                store_put: hostStorePut,
                store_delete: hostStoreDelete,
                store_list: hostStoreList,
                store_apply: hostStoreApply
            ))
        api.pointee.host_ctx = Unmanaged.passRetained(self).toOpaque()
    }

    /// Recovers the context from a `host_ctx` pointer.
    static func from(_ raw: UnsafeMutableRawPointer?) -> HostContext? {
        guard let raw else { return nil }
        return Unmanaged<HostContext>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Looks up `key` in the plugin's own config section, then in the site config; the keys
    /// `agent.version` and `agent.mode` answer the agent's version and ``AgentMode`` when the config does not set them;
    /// `agent.state_dir` and `agent.config_path` the state folder and the config file's path.
    func configValue(_ key: String) -> JSONValue? {
        var current: JSONValue? = .object(pluginConfig)
        for part in key.split(separator: ".", omittingEmptySubsequences: false) {
            current = current?.objectValue?[String(part)]
        }
        if let found = current ?? services.config.config.value(at: key) { return found }
        switch key {
        case "agent.version": return .string(AgentVersion.current)
        case "agent.mode": return .string(services.mode.rawValue)
        case "agent.state_dir": return .string(services.config.config.stateDirectory)
        case "agent.config_path": return services.config.path.map { .string($0) }
        default: return nil
        }
    }
}

/// Buffers the host hands to plugins: `malloc`ed, released with `hostRelease`.
enum HostBytes {
    static func owned(_ bytes: [UInt8]) -> agent_owned_bytes {
        guard let raw = malloc(max(bytes.count, 1)) else { return agent_owned_none() }
        let p = raw.assumingMemoryBound(to: UInt8.self)
        bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: $0.count) } }
        return agent_owned_bytes(ptr: p, len: bytes.count, release: hostRelease, release_ctx: nil)
    }

    static func owned(_ value: JSONValue) -> agent_owned_bytes { owned(JSONWriter.bytes(value)) }

    static func string(_ b: agent_bytes) -> String {
        guard let p = b.ptr, b.len > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: b.len), as: UTF8.self)
    }

    /// Borrowed bytes as a string only when they are valid UTF-8 (store keys must not be
    /// silently repaired, or two different byte keys could collide).
    static func validString(_ b: agent_bytes) -> String? {
        guard let p = b.ptr, b.len > 0 else { return "" }
        return String(validating: UnsafeBufferPointer(start: p, count: b.len), as: UTF8.self)
    }

    static func copy(_ b: agent_bytes) -> [UInt8] {
        guard let p = b.ptr, b.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: b.len))
    }

    /// Parses borrowed JSON without copying.
    static func parse(_ b: agent_bytes) -> JSONValue? {
        guard let p = b.ptr, b.len > 0 else { return nil }
        // handled: callers refuse nil with AGENT_E_INVALID_ARGUMENT (log drops unreadable metadata only)
        return try? JSONParser.parseBuffer(UnsafeBufferPointer(start: p, count: b.len))
    }

    /// Takes an owned buffer from a plugin: copies it and releases it exactly once.
    static func take(_ b: agent_owned_bytes) -> [UInt8] {
        defer { agent_owned_release(b) }
        guard let p = b.ptr, b.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: b.len))
    }
}

let hostRelease: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int) -> Void = { _, p, _ in
    free(p)
}

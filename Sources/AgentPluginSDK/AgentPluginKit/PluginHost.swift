import CAgentABI
import AgentJSON
import Logging

/// The host's services, as seen by a plugin (a safe wrapper over `agent_host_api`).
///
/// Valid for the whole life of the process; `Sendable` because the host API may be called from
/// any thread. Every call goes through the C table the host passed at `init`, so a plugin never
/// links the host. Store calls are synchronous and durable when they return (see the header).
public struct PluginHost: @unchecked Sendable {
    let api: UnsafePointer<agent_host_api>

    init(_ api: UnsafePointer<agent_host_api>) { self.api = api }

    var ctx: UnsafeMutableRawPointer? { api.pointee.host_ctx }

    // MARK: logging

    /// A `Logger` whose lines go to the host's log, attributed to this plugin. Never call
    /// `LoggingSystem.bootstrap` in a plugin: its copy of swift-log is not the host's.
    public func logger(label: String) -> Logger {
        let host = self
        return Logger(label: label) { label in HostLogHandler(host: host, label: label) }
    }

    /// Writes one log line (level as in swift-log: trace … critical).
    public func log(_ level: Logger.Level, _ message: String, metadata: [String: String] = [:]) {
        var meta = JSONObject()
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { meta[k] = .string(v) }
        let metaBytes = metadata.isEmpty ? [] : JSONWriter.bytes(.object(meta))
        Bytes.withBorrowed(message) { m in
            Bytes.withBorrowed(metaBytes) { md in
                api.pointee.log(ctx, level.abiValue, m, md)
            }
        }
    }

    // MARK: events, config, features

    /// Emits an event to the cloud through the transport.
    /// - Throws: ``PluginError`` when no transport is loaded or the payload is refused.
    public func emit(_ topic: String, _ payload: JSONObject) throws(PluginError) {
        let status = Bytes.withBorrowed(topic) { t in
            Bytes.withBorrowed(JSONWriter.bytes(.object(payload))) { p in api.pointee.emit_event(ctx, t, p) }
        }
        guard status == ABI.ok else {
            throw PluginError(status: status, code: "emit_failed", message: "the host refused event '\(topic)' (status \(status))")
        }
    }

    /// A site-config value: first the plugin's own `config.<key>`, then the top-level `<key>`
    /// (dotted path). Nil when absent.
    public func config(_ key: String) -> JSONValue? {
        var out = agent_owned_none()
        let status = Bytes.withBorrowed(key) { k in api.pointee.config_get(ctx, k, &out) }
        guard status == ABI.ok else { return nil }
        // harmless: the host encodes the value itself; bytes that do not parse (a host bug) read as absent.
        return try? JSONParser.parse(Bytes.take(out))
    }

    /// Whether `features.<name>` is on right now (toggles reload without a restart).
    public func featureEnabled(_ name: String) -> Bool {
        Bytes.withBorrowed(name) { n in api.pointee.feature_enabled(ctx, n) } == 1
    }

    /// Nanoseconds of the host's monotonic clock.
    public var monotonicNanoseconds: UInt64 { api.pointee.monotonic_now_ns(ctx) }

    // MARK: protocol lookup

    /// Finds another plugin's implementation of `protocolID` through the registry.
    /// - Returns: nil when nothing is registered under that protocol (and name, if given).
    public func lookup(_ protocolID: String, name: String = "") -> ProtocolHandle? {
        var vtable: UnsafePointer<agent_vtable_header>? = nil
        var instance: UnsafeMutableRawPointer? = nil
        let status = Bytes.withBorrowed(protocolID) { p in
            Bytes.withBorrowed(name) { n in api.pointee.lookup_protocol(ctx, p, n, &vtable, &instance) }
        }
        guard status == ABI.ok, let vtable else { return nil }
        return ProtocolHandle(protocolID: protocolID, vtable: vtable, instance: instance)
    }
}

/// A registered protocol implementation found through ``PluginHost/lookup(_:name:)``.
/// Holds C pointers that live until process exit.
public struct ProtocolHandle: @unchecked Sendable {
    /// The protocol id it was found under.
    public let protocolID: String
    let vtable: UnsafePointer<agent_vtable_header>
    let instance: UnsafeMutableRawPointer?

    /// A handle on a registered implementation (what ``PluginHost/lookup(_:name:)`` returns; a
    /// host double builds it from its own registry).
    @_spi(HostDouble)
    public init(protocolID: String, vtable: UnsafePointer<agent_vtable_header>, instance: UnsafeMutableRawPointer?) {
        self.protocolID = protocolID
        self.vtable = vtable
        self.instance = instance
    }

    /// The implementation's protocol major version.
    public var protocolMajor: UInt16 { vtable.pointee.protocol_major }
}

extension Logger.Level {
    /// The ABI's numeric level (0 trace … 6 critical).
    var abiValue: Int32 {
        switch self {
        case .trace: return 0
        case .debug: return 1
        case .info: return 2
        case .notice: return 3
        case .warning: return 4
        case .error: return 5
        case .critical: return 6
        }
    }
}

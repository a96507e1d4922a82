import AgentJSON
#if canImport(Glibc)
import Glibc
#endif

/// Toggles set from the cloud or the local door (`set_site_toggles`), persisted in
/// `<state_dir>/site-toggles.json` and laid over the site config file:
///
/// - `topics` / `features`: overrides applied at once (and at every start and SIGHUP reload);
/// - `deny`, `allow`, `pins`: plugin changes staged for the next start of the agent (the loaded
///   plugin set never changes in a running process, and no vPLC is restarted for them).
///
/// An override wins over the file; removing it (`null` in `set_site_toggles`) gives the file's
/// value back.
public struct SiteToggles: Sendable, Equatable {
    public var topics: [String: Bool] = [:]
    public var features: [String: Bool] = [:]
    /// Plugin ids to deny from the next start (added to the config's `plugins.deny`).
    public var deny: Set<String> = []
    /// Plugin ids to allow again from the next start (removed from the config's deny list).
    public var allow: Set<String> = []
    /// Plugin id → sha256 pin replacing the config's pin from the next start.
    public var pins: [String: String] = [:]
    public var updatedAt: String?
    public var updatedBy: String?

    public init() {}

    /// The file name inside the state folder.
    public static let fileName = "site-toggles.json"

    /// Lays the toggles over `config`: topic and feature overrides always, plugin changes only
    /// when `plugins` is true (at start).
    public func apply(to config: inout SiteConfig, plugins: Bool) {
        var origin = "set_site_toggles"
        if let updatedAt { origin += " at \(updatedAt)" }
        if let updatedBy { origin += " by \(updatedBy)" }
        for (name, enabled) in topics {
            config.topics[name, default: SiteConfig.TopicSettings()].enabled = enabled
            config.topics[name, default: SiteConfig.TopicSettings()].enabledOrigin = origin
        }
        for (name, on) in features { config.features[name] = on }
        guard plugins else { return }
        config.deny.formUnion(deny)
        config.deny.subtract(allow)
        for i in config.plugins.indices {
            if let pin = pins[config.plugins[i].id] { config.plugins[i].sha256 = pin }
        }
    }

    /// True when the staged plugin changes differ from what `loaded` (the config in force at
    /// start) already has.
    public func restartRequired(comparedTo loaded: SiteConfig) -> Bool {
        var next = loaded
        apply(to: &next, plugins: true)
        return next.deny != loaded.deny || next.plugins != loaded.plugins
    }

    // MARK: JSON

    var json: JSONValue {
        var o = JSONObject()
        o["topics"] = .object(JSONObject(topics.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.bool($0.value)) }))
        o["features"] = .object(JSONObject(features.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.bool($0.value)) }))
        o["plugins"] = [
            "deny": .array(deny.sorted().map { .string($0) }),
            "allow": .array(allow.sorted().map { .string($0) }),
            "pins": .object(JSONObject(pins.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
        ]
        o["updated_at"] = updatedAt.map { .string($0) } ?? .null
        o["updated_by"] = updatedBy.map { .string($0) } ?? .null
        return .object(o)
    }

    /// Reads the toggles file of `stateDirectory`; a missing file is no toggles.
    /// - Throws: ``AgentCoreError`` `config_invalid` naming the file and field when it is unreadable or malformed.
    public static func load(stateDirectory: String) throws(AgentCoreError) -> SiteToggles {
        let path = stateDirectory + "/" + fileName
        guard let bytes = readBytes(path) else { return SiteToggles() }
        // handled: a file that is not a JSON object throws config_invalid below
        guard let root = (try? JSONParser.parse(bytes))?.objectValue else {
            throw AgentCoreError(.configInvalid, "'\(path)' is not a JSON object", field: fileName)
        }
        var t = SiteToggles()
        func bools(_ key: String) throws(AgentCoreError) -> [String: Bool] {
            var out: [String: Bool] = [:]
            for (k, v) in root[key]?.objectValue?.entries ?? [] {
                guard let b = v.boolValue else { throw AgentCoreError(.configInvalid, "'\(path)': \(key).\(k) must be true or false", field: "\(key).\(k)") }
                out[k] = b
            }
            return out
        }
        t.topics = try bools("topics")
        t.features = try bools("features")
        let plugins = root["plugins"]?.objectValue ?? JSONObject()
        t.deny = Set((plugins["deny"]?.arrayValue ?? []).compactMap(\.stringValue))
        t.allow = Set((plugins["allow"]?.arrayValue ?? []).compactMap(\.stringValue))
        for (id, v) in plugins["pins"]?.objectValue?.entries ?? [] {
            guard let pin = v.stringValue, isPin(pin) else {
                throw AgentCoreError(.configInvalid, "'\(path)': plugins.pins.\(id) must be 64 hex digits", field: "plugins.pins.\(id)")
            }
            t.pins[id] = pin
        }
        t.updatedAt = root["updated_at"]?.stringValue
        t.updatedBy = root["updated_by"]?.stringValue
        return t
    }

    /// Writes the toggles file atomically (``AtomicFile``: temp file, fsync, rename, folder
    /// fsync), 0600.
    /// - Throws: ``AgentCoreError`` `store_unavailable` when it cannot be written (nothing changed then).
    public func save(stateDirectory: String) throws(AgentCoreError) {
        let path = stateDirectory + "/" + Self.fileName
        do { try AtomicFile.replace(path, with: JSONWriter.bytes(json) + [UInt8(ascii: "\n")], mode: 0o600) } catch {
            throw AgentCoreError(.storeUnavailable, "cannot write '\(path)': \(error.description)")
        }
    }

    static func isPin(_ s: String) -> Bool { AuditEntry.isHex64(s) }
}

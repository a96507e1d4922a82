import AgentJSON

/// A validated `set_site_toggles` request. Every rule names the offending field:
///
/// - `topics.<name>`: `true`, `false` or `null` (drop the override); the topic must exist
///   (`unknown_topic`); `get_agent_config` and `set_site_toggles` cannot be disabled
///   (`would_disconnect`);
/// - `features.<name>`: `true`, `false` or `null`; names are 1–64 of `[A-Za-z0-9_.-]`;
/// - `plugins.deny[]` / `plugins.allow[]`: configured plugin ids (`unknown_plugin`), not both
///   at once; the plugin that carries the transport cannot be denied (`would_disconnect`);
/// - `plugins.pins.<id>`: 64 hex digits or `null`; the transport's new pin must match its file
///   on disk now (`would_disconnect`: a wrong pin would keep it from loading).
struct ToggleChange {
    /// What the request may refer to.
    struct Context {
        var knownTopics: Set<String>
        var protectedTopics: Set<String>
        var configuredPlugins: Set<String>
        var transportPlugin: String?
        /// sha256 of the transport plugin's file as it is on disk now.
        var transportFileSHA256: () -> String?
    }

    var topics: [String: Bool?] = [:]
    var features: [String: Bool?] = [:]
    var deny: [String] = []
    var allow: [String] = []
    var pins: [String: String?] = [:]

    var isEmpty: Bool { topics.isEmpty && features.isEmpty && deny.isEmpty && allow.isEmpty && pins.isEmpty }

    static func parse(_ message: JSONObject, _ ctx: Context) throws(CoreTopic.Failure) -> ToggleChange {
        var change = ToggleChange()
        for (name, value) in try object(message, "topics") {
            let field = "topics.\(name)"
            guard ctx.knownTopics.contains(name) else { throw .init("unknown_topic", "no topic '\(name)' on this agent", field: field) }
            let flag = try optionalBool(value, field)
            if flag == false, ctx.protectedTopics.contains(name) {
                throw .init("would_disconnect", "'\(name)' cannot be disabled: it is how toggles are read and undone", field: field)
            }
            change.topics[name] = flag
        }
        for (name, value) in try object(message, "features") {
            let field = "features.\(name)"
            guard (1...64).contains(name.utf8.count),
                name.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
            else { throw .init("validation_error", "feature names are 1–64 of A–Z a–z 0–9 _ . -", field: field) }
            change.features[name] = try optionalBool(value, field)
        }
        let plugins = JSONObject(try object(message, "plugins").map { ($0.key, $0.value) })
        change.deny = try ids(plugins, "deny", ctx)
        change.allow = try ids(plugins, "allow", ctx)
        if let both = Set(change.deny).intersection(change.allow).first {
            throw .init("validation_error", "plugin '\(both)' is both denied and allowed", field: "plugins.allow")
        }
        if let transport = ctx.transportPlugin, change.deny.contains(transport) {
            throw .init("would_disconnect", "'\(transport)' carries the cloud link; denying it would cut the agent off", field: "plugins.deny")
        }
        for (id, value) in try object(plugins, "pins", prefix: "plugins.") {
            let field = "plugins.pins.\(id)"
            guard ctx.configuredPlugins.contains(id) else { throw .init("unknown_plugin", "no plugin '\(id)' in the site config", field: field) }
            if case .null = value {
                change.pins[id] = .some(nil)
                continue
            }
            guard let pin = value.stringValue?.lowercased(), SiteToggles.isPin(pin) else {
                throw .init("validation_error", "a pin is 64 hex digits (sha256 of the file)", field: field)
            }
            if id == ctx.transportPlugin, pin != ctx.transportFileSHA256() {
                throw .init("would_disconnect", "the new pin does not match the transport plugin's file on disk; it would not load", field: field)
            }
            change.pins[id] = pin
        }
        guard !change.isEmpty else {
            throw .init("validation_error", "nothing to change: give topics, features or plugins", field: "topics")
        }
        return change
    }

    /// The toggles after this change.
    func applied(to old: SiteToggles) -> SiteToggles {
        var t = old
        for (k, v) in topics { t.topics[k] = v }
        for (k, v) in features { t.features[k] = v }
        for id in deny {
            t.deny.insert(id)
            t.allow.remove(id)
        }
        for id in allow {
            t.allow.insert(id)
            t.deny.remove(id)
        }
        for (k, v) in pins { t.pins[k] = v }
        return t
    }

    private static func object(_ o: JSONObject, _ key: String, prefix: String = "") throws(CoreTopic.Failure) -> [(key: String, value: JSONValue)] {
        guard let v = o[key], v != .null else { return [] }
        guard let obj = v.objectValue else { throw .init("invalid_type", "'\(prefix)\(key)' must be an object", field: prefix + key) }
        return obj.entries
    }

    private static func optionalBool(_ v: JSONValue, _ field: String) throws(CoreTopic.Failure) -> Bool? {
        if case .null = v { return nil }
        guard let b = v.boolValue else { throw .init("invalid_type", "'\(field)' must be true, false or null", field: field) }
        return b
    }

    private static func ids(_ plugins: JSONObject, _ key: String, _ ctx: Context) throws(CoreTopic.Failure) -> [String] {
        guard let v = plugins[key], v != .null else { return [] }
        guard let list = v.arrayValue else { throw .init("invalid_type", "'plugins.\(key)' must be a list of plugin ids", field: "plugins.\(key)") }
        var out: [String] = []
        for (i, item) in list.enumerated() {
            let field = "plugins.\(key)[\(i)]"
            guard let id = item.stringValue else { throw .init("invalid_type", "'\(field)' must be a string", field: field) }
            guard ctx.configuredPlugins.contains(id) else { throw .init("unknown_plugin", "no plugin '\(id)' in the site config", field: field) }
            out.append(id)
        }
        return out
    }
}

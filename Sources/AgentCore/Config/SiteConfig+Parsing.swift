import AgentJSON
import FoundationEssentials

extension SiteConfig {
    /// Default state folder when the config names none.
    public static let defaultStateDirectory = "/var/lib/orchestrator-agent"
    /// Default request timeout (30 s).
    public static let defaultRequestTimeoutMilliseconds = 30_000

    /// Reads and validates the config file at `path`.
    /// - Throws: ``AgentCoreError`` `config_invalid` naming the offending field.
    public static func load(path: String) throws(AgentCoreError) -> SiteConfig {
        let data = try FileBytes.read(path, what: "site config", code: .configInvalid)
        let value: JSONValue
        do { value = try JSONParser.parse(data) } catch {
            throw AgentCoreError(.configInvalid, "site config '\(path)' is not valid JSON: \(error)", cause: error)
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(value, baseDirectory: base)
    }

    /// Validates a parsed config document. Relative plugin paths are resolved against
    /// `baseDirectory`.
    public static func parse(_ value: JSONValue, baseDirectory: String) throws(AgentCoreError) -> SiteConfig {
        guard let root = value.objectValue else { throw invalid("", "the site config must be a JSON object") }
        let stateDir = try string(root, "state_dir") ?? defaultStateDirectory
        let timeout = try positiveInt(root["request_timeout_ms"], "request_timeout_ms") ?? defaultRequestTimeoutMilliseconds

        var entries: [PluginEntry] = []
        var deny: Set<String> = []
        if let pluginsValue = root["plugins"] {
            guard let plugins = pluginsValue.objectValue else { throw invalid("plugins", "must be an object") }
            if let load = plugins["load"] {
                guard let list = load.arrayValue else { throw invalid("plugins.load", "must be a list") }
                var seen: Set<String> = []
                for (i, item) in list.enumerated() {
                    let entry = try pluginEntry(item, field: "plugins.load[\(i)]", baseDirectory: baseDirectory)
                    guard seen.insert(entry.id).inserted else {
                        throw invalid("plugins.load[\(i)].id", "plugin '\(entry.id)' is listed twice")
                    }
                    entries.append(entry)
                }
            }
            if let denyValue = plugins["deny"] {
                guard let list = denyValue.arrayValue else { throw invalid("plugins.deny", "must be a list of plugin ids") }
                for (i, item) in list.enumerated() {
                    guard let id = item.stringValue else { throw invalid("plugins.deny[\(i)]", "must be a string") }
                    deny.insert(id)
                }
            }
        }

        var topics: [String: TopicSettings] = [:]
        if let topicsValue = root["topics"] {
            guard let obj = topicsValue.objectValue else { throw invalid("topics", "must be an object") }
            for (name, settings) in obj.entries {
                guard let s = settings.objectValue else { throw invalid("topics.\(name)", "must be an object") }
                var t = TopicSettings()
                if let enabled = s["enabled"] {
                    guard let b = enabled.boolValue else { throw invalid("topics.\(name).enabled", "must be true or false") }
                    t.enabled = b
                }
                t.timeoutMilliseconds = try positiveInt(s["timeout_ms"], "topics.\(name).timeout_ms")
                topics[name] = t
            }
        }

        var features: [String: Bool] = [:]
        if let featuresValue = root["features"] {
            guard let obj = featuresValue.objectValue else { throw invalid("features", "must be an object") }
            for (name, flag) in obj.entries {
                guard let b = flag.boolValue else { throw invalid("features.\(name)", "must be true or false") }
                features[name] = b
            }
        }

        return SiteConfig(
            stateDirectory: stateDir, requestTimeoutMilliseconds: timeout, plugins: entries, deny: deny,
            topics: topics, features: features, raw: root)
    }

    private static func pluginEntry(_ value: JSONValue, field: String, baseDirectory: String) throws(AgentCoreError)
        -> PluginEntry
    {
        guard let obj = value.objectValue else { throw invalid(field, "must be an object with id, path and sha256") }
        guard let id = try string(obj, "id", prefix: field), !id.isEmpty else { throw invalid("\(field).id", "is required") }
        guard let path = try string(obj, "path", prefix: field), !path.isEmpty else {
            throw invalid("\(field).path", "is required")
        }
        guard let sha = try string(obj, "sha256", prefix: field) else {
            throw invalid("\(field).sha256", "is required: pin the file with `orchestrator-agent plugins pin FILE`")
        }
        let hex = sha.lowercased()
        // ASCII only: `Character.isHexDigit` also accepts fullwidth digits such as "ａ" (a fuzz regression case).
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw invalid("\(field).sha256", "must be 64 hex digits")
        }
        var config = JSONObject()
        if let c = obj["config"] {
            guard let co = c.objectValue else { throw invalid("\(field).config", "must be an object") }
            config = co
        }
        // Joined, never resolved: a symlink in the path must reach the loader (which refuses it).
        let resolved = path.hasPrefix("/") ? path : PathText.appending(path, to: baseDirectory)
        return PluginEntry(id: id, path: resolved, sha256: hex, config: config)
    }

    private static func string(_ obj: JSONObject, _ key: String, prefix: String = "") throws(AgentCoreError) -> String? {
        guard let v = obj[key] else { return nil }
        guard let s = v.stringValue else { throw invalid(prefix.isEmpty ? key : "\(prefix).\(key)", "must be a string") }
        return s
    }

    private static func positiveInt(_ v: JSONValue?, _ field: String) throws(AgentCoreError) -> Int? {
        guard let v else { return nil }
        guard let n = v.numberValue, n >= 1, n <= 86_400_000, n == n.rounded() else {
            throw invalid(field, "must be a whole number of milliseconds between 1 and 86400000")
        }
        return Int(n)
    }

    private static func invalid(_ field: String, _ message: String) -> AgentCoreError {
        AgentCoreError(.configInvalid, field.isEmpty ? message : "'\(field)' \(message)", field: field.isEmpty ? nil : field)
    }
}

import AgentJSON

/// The site configuration: one JSON file per site (see docs/configuration.md).
///
/// ```json
/// {
///   "state_dir": "/var/lib/orchestrator-agent",
///   "request_timeout_ms": 30000,
///   "cloud": { "host": "api.example.com", "port": 3001, "cert_dir": "~/.mtls" },
///   "plugins": {
///     "load": [ { "id": "com.example.greeter", "path": "plugins/libgreeter.so",
///                 "sha256": "…64 hex…", "config": { } } ],
///     "deny": [ "com.example.untrusted" ]
///   },
///   "topics":   { "example_hello": { "enabled": false, "timeout_ms": 2000 } },
///   "features": { "example_counter_double": true }
/// }
/// ```
///
/// Unknown top-level keys are kept (plugins read them through `config_get`). Relative plugin
/// paths are resolved against the config file's folder.
public struct SiteConfig: Sendable, Equatable {
    /// One allowlisted plugin.
    public struct PluginEntry: Sendable, Equatable {
        public var id: String
        public var path: String
        /// Lower-case hex SHA-256 of the file; the loader refuses any other bytes.
        public var sha256: String
        /// Handed to the plugin's init as its config object.
        public var config: JSONObject
    }

    /// Per-topic settings.
    public struct TopicSettings: Sendable, Equatable {
        public var enabled: Bool = true
        /// Overrides the default request timeout for this topic.
        public var timeoutMilliseconds: Int?
        /// Where `enabled` came from when not from the site config file (e.g. "set_site_toggles
        /// at 2026-12-07T06:20:00Z by cloud"); nil = the file (`topics.<name>.enabled`).
        public var enabledOrigin: String?
    }

    /// Why `topic` is disabled, for the `disabled` answer: the switch that turned it off.
    public func disabledReason(_ topic: String) -> String {
        if let origin = topics[topic]?.enabledOrigin {
            return "Topic '\(topic)' is disabled on this site (turned off by \(origin); turn it on with set_site_toggles)"
        }
        return "Topic '\(topic)' is disabled on this site (topics.\(topic).enabled = false in the site config)"
    }

    /// Where durable state lives (store, journal).
    public var stateDirectory: String
    /// Default time a handler gets before the request is cancelled and answered `timeout`.
    public var requestTimeoutMilliseconds: Int
    /// The allowlist, in load order.
    public var plugins: [PluginEntry]
    /// Plugin ids never to load, even when listed in `plugins.load` (deny wins).
    public var deny: Set<String>
    /// `topics.<name>` settings; topics not listed are enabled.
    public var topics: [String: TopicSettings]
    /// `features.<name>` flags; absent means off.
    public var features: [String: Bool]
    /// The whole document, for `config_get` lookups.
    public var raw: JSONObject

    /// Whether `topic` answers right now.
    public func isTopicEnabled(_ topic: String) -> Bool { topics[topic]?.enabled ?? true }

    /// Whether `features.<name>` is on.
    public func isFeatureEnabled(_ name: String) -> Bool { features[name] ?? false }

    /// The timeout for `topic`, in milliseconds.
    public func timeoutMilliseconds(for topic: String) -> Int {
        topics[topic]?.timeoutMilliseconds ?? requestTimeoutMilliseconds
    }

    /// Looks up a dotted path (`cloud.host`) in the document.
    public func value(at path: String) -> JSONValue? {
        var current: JSONValue = .object(raw)
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let obj = current.objectValue, let next = obj[String(part)] else { return nil }
            current = next
        }
        return current
    }
}

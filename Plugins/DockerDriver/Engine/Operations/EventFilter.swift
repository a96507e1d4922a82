import AgentJSON

/// Which engine events a subscription wants (all lists are alternatives: an event matches when
/// its type is one of `types`, its action one of `actions`, and it carries every label).
public struct EventFilter: Sendable, Equatable {
    /// Object types: `container`, `network`, `image`, … Empty: all.
    public var types: [String]
    /// Actions: `start`, `die`, … Empty: all.
    public var actions: [String]
    /// Labels, `key=value` or `key`; all must match. Empty: any.
    public var labels: [String]

    public init(types: [String] = [], actions: [String] = [], labels: [String] = []) {
        self.types = types
        self.actions = actions
        self.labels = labels
    }

    /// The `filters` query value of `GET /events`, or nil when nothing is filtered.
    public var queryValue: String? {
        var f = JSONObject()
        if !types.isEmpty { f["type"] = .array(types.map(JSONValue.string)) }
        if !actions.isEmpty { f["event"] = .array(actions.map(JSONValue.string)) }
        if !labels.isEmpty { f["label"] = .array(labels.map(JSONValue.string)) }
        return f.count == 0 ? nil : JSONWriter.string(.object(f))
    }
}

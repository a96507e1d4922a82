import AgentJSON

/// Lenient readers for an engine's JSON: Docker and Podman write `null` for empty lists and maps
/// and omit fields across versions, so a missing or mistyped field reads as empty rather than
/// failing. Identity fields are required through each driver's own reader, which fails with its
/// engine's error.
extension JSONObject {
    /// The string at `key`, or "".
    public func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
    /// The string at `key` when it is there and not empty.
    public func optionalString(_ key: String) -> String? {
        guard let s = self[key]?.stringValue, !s.isEmpty else { return nil }
        return s
    }
    /// The number at `key`, or 0.
    public func number(_ key: String) -> Double { self[key]?.numberValue ?? 0 }
    /// The boolean at `key`, or false.
    public func bool(_ key: String) -> Bool { self[key]?.boolValue ?? false }
    /// The object at `key`, or an empty one.
    public func object(_ key: String) -> JSONObject { self[key]?.objectValue ?? [:] }
    /// The array at `key`, or an empty one.
    public func array(_ key: String) -> [JSONValue] { self[key]?.arrayValue ?? [] }
    /// The strings of the array at `key`.
    public func strings(_ key: String) -> [JSONValue] { array(key).filter { $0.stringValue != nil } }
    /// A `{String: String}` map (labels, options) as a JSON object with string values only.
    public func stringMap(_ key: String) -> JSONValue {
        var out = JSONObject()
        for e in object(key).entries { if let s = e.value.stringValue { out[e.key] = .string(s) } }
        return .object(out)
    }
}

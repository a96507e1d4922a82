import AgentJSON

/// A value at a path of object keys in JSON (nil if any step is missing), for reading Engine API
/// answers in tests: `jsonAt(inspect, "Config", "User")`.
public func jsonAt(_ value: JSONValue?, _ keys: String...) -> JSONValue? {
    var v = value
    for k in keys { v = v?.objectValue?[k] }
    return v
}

import AgentJSON

/// Typed reads of a method's parameter object; every failure is `bad_params` naming the field
/// (`Failure.badParams`), generic over the driver's error type.
/// Unknown keys are ignored.
public struct DriverParams<Failure: DriverFailure> {
    public let object: JSONObject
    /// Prefix for field names (`networks[1].`), for nested objects.
    public let path: String

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    private func field(_ key: String) -> String { path + key }

    private func wrongType(_ key: String, _ expected: String) -> Failure {
        let got = object[key]?.kindName ?? "nothing"
        return .badParams(field(key), "'\(field(key))' must be \(expected) (got \(got))")
    }

    /// A required non-empty string.
    public func string(_ key: String) throws(Failure) -> String {
        guard let s = object[key]?.stringValue, !s.isEmpty else { throw wrongType(key, "a non-empty string") }
        return s
    }

    /// An optional non-empty string (absent or null: nil).
    public func optionalString(_ key: String) throws(Failure) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.stringValue, !s.isEmpty else { throw wrongType(key, "a non-empty string") }
        return s
    }

    /// An optional boolean with a default.
    public func bool(_ key: String, default value: Bool) throws(Failure) -> Bool {
        guard let v = object[key], !v.isNull else { return value }
        guard let b = v.boolValue else { throw wrongType(key, "a boolean") }
        return b
    }

    /// An optional whole number in `range`, with a default.
    public func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(Failure) -> Int {
        guard let v = object[key], !v.isNull else { return value }
        guard let n = v.numberValue, n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw wrongType(key, "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(n)
    }

    /// An optional array of strings (absent or null: nil).
    public func stringArray(_ key: String) throws(Failure) -> [String]? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let a = v.arrayValue else { throw wrongType(key, "an array of strings") }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            guard let s = item.stringValue else {
                throw .badParams("\(field(key))[\(i)]", "'\(field(key))[\(i)]' must be a string (got \(item.kindName))")
            }
            out.append(s)
        }
        return out
    }

    /// An optional object (absent or null: empty).
    public func object(_ key: String) throws(Failure) -> JSONObject {
        guard let v = object[key], !v.isNull else { return [:] }
        guard let o = v.objectValue else { throw wrongType(key, "an object") }
        return o
    }

    /// An optional `{String: String}` object (labels, options).
    public func stringMap(_ key: String) throws(Failure) -> JSONObject {
        let o = try object(key)
        for e in o.entries where e.value.stringValue == nil {
            throw .badParams("\(field(key)).\(e.key)", "'\(field(key)).\(e.key)' must be a string (got \(e.value.kindName))")
        }
        return o
    }

    /// A label filter `{key: value or ""}` as Docker's `key=value` / `key` list.
    public func labelFilter(_ key: String) throws(Failure) -> [String] {
        try stringMap(key).entries.map { e in
            let v = e.value.stringValue ?? ""
            return v.isEmpty ? e.key : "\(e.key)=\(v)"
        }
    }

    /// A required non-empty array of objects, each read with `read` (its field names prefixed
    /// `key[i].`).
    public func objects<T>(_ key: String, _ read: (DriverParams) throws(Failure) -> T) throws(Failure) -> [T] {
        guard let a = object[key]?.arrayValue, !a.isEmpty else { throw wrongType(key, "a non-empty array of objects") }
        var out: [T] = []
        for (i, item) in a.enumerated() {
            guard let o = item.objectValue else {
                throw .badParams("\(field(key))[\(i)]", "'\(field(key))[\(i)]' must be an object (got \(item.kindName))")
            }
            out.append(try read(DriverParams(o, path: "\(field(key))[\(i)].")))
        }
        return out
    }

    /// The call's timeout: `timeout_ms` when given, else `fallback`.
    public func timeout(default fallback: Duration) throws(Failure) -> Duration {
        guard object["timeout_ms"] != nil, !(object["timeout_ms"]?.isNull ?? true) else { return fallback }
        return .milliseconds(try int("timeout_ms", default: 0, in: 1...86_400_000))
    }
}

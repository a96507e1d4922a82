/// A JSON object that keeps the order of its keys.
///
/// Lookups are linear, which is the fastest choice for the small objects of this protocol
/// (a handful of keys). Setting an existing key replaces its value in place; a new key is
/// appended. Two objects are equal when they hold the same keys with equal values, in any order.
public struct JSONObject: Sendable, Equatable {
    /// The members in document order. Keys are unique.
    public private(set) var entries: [(key: String, value: JSONValue)]

    /// An empty object.
    public init() { entries = [] }

    /// An object from key/value pairs; a repeated key keeps its last value (as most parsers do).
    public init(_ pairs: [(String, JSONValue)]) {
        entries = []
        entries.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// The number of members.
    public var count: Int { entries.count }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The value for `key`, or nil when absent. Setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            for e in entries where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Appends without checking for an existing key. The caller guarantees uniqueness
    /// (used by the parser after its own duplicate check and by writers of fresh objects).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (k, v) in lhs.entries where rhs[k] != v { return false }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// `["status": "ok", "count": 3]` — keys in literal order; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}

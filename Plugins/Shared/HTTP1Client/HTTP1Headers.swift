/// An ordered list of HTTP header fields.
///
/// Names keep the case they were given or received in; lookups ignore case (RFC 9110 §5.1).
/// Repeated fields stay separate entries, in order.
public struct HTTP1Headers: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    /// The fields in order, as `(name, value)` pairs.
    public private(set) var fields: [(name: String, value: String)]

    /// An empty list.
    public init() { fields = [] }

    /// A list from pairs, kept in order.
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }

    /// `["Content-Type": "application/json"]` — fields in literal order.
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// The number of fields.
    public var count: Int { fields.count }

    /// The first value of the field `name` (any case), or nil.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        for f in fields where f.name.lowercased() == wanted { return f.value }
        return nil
    }

    /// Every value of the field `name` (any case), in order.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// Whether a field named `name` (any case) is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field (repeats are allowed).
    public mutating func add(name: String, value: String) { fields.append((name: name, value: value)) }

    /// Removes every field named `name` (any case), then appends `name: value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        add(name: name, value: value)
    }

    /// Removes every field named `name` (any case).
    public mutating func remove(name: String) {
        let wanted = name.lowercased()
        fields.removeAll { $0.name.lowercased() == wanted }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public static func == (lhs: HTTP1Headers, rhs: HTTP1Headers) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// An ordered set of named fields that a JSON message object must satisfy.
///
/// Contract:
/// - Fields are kept in declaration order, which is the order ``validate(_:)`` checks them
///   (the first failing field is the one reported).
/// - Names are unique: declaring a name again replaces its type in place (the first position is kept),
///   like a repeated key in a ``JSONObject``.
/// - Equality is order-sensitive, because the order decides which error is reported.
/// - A contract is a plain `Sendable` value; across the plugin ABI it travels as its JSON text
///   (see ``json`` and ``init(json:)``).
public struct Contract: Sendable, Equatable {
    /// The fields in checking order. Names are unique.
    public private(set) var fields: [(name: String, type: FieldType)]

    /// The topic only reads (a status, a list, a version): the agent's audit trail then syncs its
    /// line in the next group instead of before the answer (docs/security.md). Commands that
    /// change something keep the default, false. In the JSON form since ABI 1.2.
    public var readOnly = false

    /// A contract with `fields` in the given order; a repeated name keeps its last type at its first position.
    public init(_ fields: [(String, FieldType)]) {
        self.fields = []
        self.fields.reserveCapacity(fields.count)
        for (name, type) in fields { self[name] = type }
    }

    /// A contract with no fields (every object is valid).
    public init() { fields = [] }

    /// The field names in checking order.
    public var names: [String] { fields.map(\.name) }

    /// The type of the field `name`, or nil when the contract has no such field.
    /// Setting a type replaces an existing field in place or appends a new one; setting nil removes it.
    public subscript(name: String) -> FieldType? {
        get {
            for f in fields where f.name == name { return f.type }
            return nil
        }
        set {
            if let i = fields.firstIndex(where: { $0.name == name }) {
                if let newValue { fields[i].type = newValue } else { fields.remove(at: i) }
            } else if let newValue {
                fields.append((name, newValue))
            }
        }
    }

    /// This contract extended by `other`: fields of `other` whose name already exists replace the
    /// type in place (keeping this contract's order); the others are appended in `other`'s order.
    public func merging(_ other: Contract) -> Contract {
        var result = self
        for (name, type) in other.fields { result[name] = type }
        result.readOnly = readOnly || other.readOnly
        return result
    }

    /// This contract, marked ``readOnly``.
    public func readingOnly() -> Contract {
        var result = self
        result.readOnly = true
        return result
    }

    public static func == (lhs: Contract, rhs: Contract) -> Bool {
        guard lhs.fields.count == rhs.fields.count, lhs.readOnly == rhs.readOnly else { return false }
        for (l, r) in zip(lhs.fields, rhs.fields) where l.name != r.name || l.type != r.type { return false }
        return true
    }
}

extension Contract: ExpressibleByDictionaryLiteral {
    /// `["device_id": .nonEmptyString, "port": .optional(.number)]`, in literal order.
    public init(dictionaryLiteral elements: (String, FieldType)...) { self.init(elements) }
}

extension Contract {
    /// The upstream `BASE_MESSAGE`: every field optional.
    /// `correlation_id: optional(number)`, `action: optional(string)`, `requested_at: optional(date)`.
    public static let baseMessage: Contract = [
        "correlation_id": .optional(.number),
        "action": .optional(.string),
        "requested_at": .optional(.date),
    ]

    /// The upstream `BASE_DEVICE`: ``baseMessage`` followed by `device_id: nonEmptyString` (required).
    public static let baseDevice: Contract = baseMessage.merging(["device_id": .nonEmptyString])
}

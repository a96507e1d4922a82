import AgentContracts
import AgentJSON

/// An independent, naive reading of what a contract requires, to judge ``Contract/validate(_:)``:
/// structural recursion over the declared types (the string predicates reuse the product's
/// definitions of "non-empty" and "date", which are not what this oracle is checking).
enum ContractOracle {
    /// Whether `value` (nil = the key is absent) satisfies `type`.
    static func conforms(_ value: JSONValue?, _ type: FieldType) -> Bool {
        guard let value else { return type.isOptional }
        switch type {
        case .optional(let inner): return value == .null || conforms(value, inner)
        case .any: return true
        case .string: return value.stringValue != nil
        case .nonEmptyString: return value.stringValue.map { s in s.contains { !$0.isWhitespace } } ?? false
        case .number: return value.numberValue != nil
        case .boolean: return value.boolValue != nil
        case .date: return value.stringValue.map(ISODate.isValid) ?? false
        case .interfaceName:
            guard let s = value.stringValue else { return false }
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-".utf8)
            return (1...15).contains(s.utf8.count) && s.utf8.allSatisfy(allowed.contains)
        case .list(let item):
            guard let items = value.arrayValue else { return false }
            return items.allSatisfy { conforms($0, item) }
        case .object(let contract):
            guard let object = value.objectValue else { return false }
            return conforms(object, contract)
        }
    }

    /// Whether `object` satisfies every field of `contract`.
    static func conforms(_ object: JSONObject, _ contract: Contract) -> Bool {
        contract.fields.allSatisfy { conforms(object[$0.name], $0.type) }
    }

    /// Follows a violation's `field` path (`a.b[2].c`) through the message and the contract:
    /// the value found there (nil when absent) and the type declared for it; nil when the path
    /// does not lead through the contract.
    static func resolve(_ path: String, in message: JSONObject, _ contract: Contract) -> (value: JSONValue?, type: FieldType)? {
        var value: JSONValue? = .object(message)
        var type: FieldType = .object(contract)
        for step in steps(path) {
            type = unwrapOptional(type)
            switch step {
            case .key(let key):
                guard case .object(let c) = type, let t = c[key] else { return nil }
                value = value?.objectValue?[key]
                type = t
            case .index(let i):
                guard case .list(let item) = type, let items = value?.arrayValue, i >= 0, i < items.count else { return nil }
                value = items[i]
                type = item
            }
        }
        return (value, type)
    }

    private enum Step { case key(String), index(Int) }

    private static func unwrapOptional(_ t: FieldType) -> FieldType {
        if case .optional(let inner) = t { return unwrapOptional(inner) }
        return t
    }

    /// `a.b[2].c` → key a, key b, index 2, key c (contract names hold no `.` or `[`).
    private static func steps(_ path: String) -> [Step] {
        var out: [Step] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var rest = Substring(part)
            if let open = rest.firstIndex(of: "[") {
                out.append(.key(String(rest[..<open])))
                rest = rest[open...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    out.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close]) ?? -1))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                out.append(.key(String(rest)))
            }
        }
        return out
    }
}

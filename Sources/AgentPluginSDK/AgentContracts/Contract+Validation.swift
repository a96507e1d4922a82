import AgentJSON

extension Contract {
    /// Checks `message` against this contract; nil means valid.
    ///
    /// Contract (upstream §4): the contract's fields are visited in order and the first failure is
    /// returned. A missing key fails unless its type is ``FieldType/optional(_:)``; a present key is
    /// type-checked (see ``FieldType``); keys the contract does not name are ignored. Nested objects
    /// and list items are checked recursively and reported with their full path.
    /// Cost: no allocation on success; paths and texts are built only for the failure returned.
    public func validate(_ message: JSONObject) -> ContractViolation? {
        checkObject(message)?.violation()
    }

    /// Checks an arbitrary JSON value: a non-object fails with `validation_error`
    /// (`Validation error: message must be a JSON object, found <kind>`), an object as ``validate(_:)``.
    public func validate(json value: JSONValue) -> ContractViolation? {
        guard case .object(let object) = value else {
            return .validationError("message must be a JSON object, found \(value.kindName)")
        }
        return validate(object)
    }

    fileprivate func checkObject(_ object: JSONObject) -> Failure? {
        for (name, type) in fields {
            guard let value = object[name] else {
                if type.isOptional { continue }
                return Failure(problem: .missing(name), reversedPath: [.key(name)])
            }
            if var failure = type.check(value) {
                failure.reversedPath.append(.key(name))
                return failure
            }
        }
        return nil
    }
}

extension FieldType {
    fileprivate func check(_ value: JSONValue) -> Failure? {
        switch self {
        case .string:
            if case .string = value { return nil }
        case .nonEmptyString:
            if case .string(let s) = value, s.contains(where: { !$0.isWhitespace }) { return nil }
        case .number:
            if case .number = value { return nil }
        case .boolean:
            if case .bool = value { return nil }
        case .date:
            if case .string(let s) = value, ISODate.isValid(s) { return nil }
        case .interfaceName:
            if case .string(let s) = value, Self.isInterfaceName(s) { return nil }
        case .any:
            return nil
        case .list(let item):
            guard case .array(let items) = value else { break }
            for (index, element) in items.enumerated() {
                if var failure = item.check(element) {
                    failure.reversedPath.append(.index(index))
                    return failure
                }
            }
            return nil
        case .object(let contract):
            guard case .object(let object) = value else { break }
            return contract.checkObject(object)
        case .optional(let inner):
            if case .null = value { return nil }
            return inner.check(value)
        }
        return Failure(problem: .type(expectation), reversedPath: [])
    }

    /// The upstream wording of what a value of this type must be (after "Value must be ").
    var expectation: String {
        switch self {
        case .string: "a string"
        case .nonEmptyString: "a non-empty string"
        case .number: "a number"
        case .boolean: "a boolean"
        case .date: "a valid ISO datetime string"
        case .interfaceName:
            "a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars)"
        case .any: "any value"
        case .list: "a list"
        case .object: "an object"
        case .optional(let inner): inner.expectation
        }
    }

    /// 1–15 bytes, each in `[A-Za-z0-9_.-]`.
    static func isInterfaceName(_ s: String) -> Bool {
        var count = 0
        for c in s.utf8 {
            count += 1
            guard count <= 15 else { return false }
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return count > 0
    }
}

/// A failure found deep in a message; the path is collected innermost-first while unwinding.
private struct Failure {
    enum Problem {
        case missing(String)
        case type(String)
    }

    enum Component {
        case key(String)
        case index(Int)
    }

    let problem: Problem
    var reversedPath: [Component]

    func violation() -> ContractViolation {
        var path = ""
        for component in reversedPath.reversed() {
            switch component {
            case .key(let k):
                if !path.isEmpty { path += "." }
                path += k
            case .index(let i):
                path += "[\(i)]"
            }
        }
        switch problem {
        case .missing(let key): return .missingField(key, at: path)
        case .type(let expectation): return .invalidType(expectation, at: path)
        }
    }
}

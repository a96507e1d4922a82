import AgentJSON

/// The JSON form of contracts, which crosses the C plugin ABI as text.
///
/// Contract: a contract is `{"fields": {"<name>": <spec>, ...}}` (field order = key order), with
/// `"read_only": true` for a topic that only reads (ABI 1.2; absent means false), and a
/// `<spec>` is one of the names `"string"`, `"non_empty_string"`, `"number"`, `"boolean"`, `"date"`,
/// `"interface_name"`, `"any"`, or an object with exactly one key: `{"optional": <spec>}`,
/// `{"list": <spec>}`, `{"object": <contract>}`. Parsing is strict: any other name, key or shape is
/// an `invalid_contract` ``ContractError`` whose `path` names the offending value.
/// `Contract(json: c.json) == c` for every contract.
extension Contract {
    /// Parses the JSON form of a contract.
    /// - Throws: ``ContractError`` (`invalid_contract`) with the path of the first offending value.
    public init(json: JSONValue) throws(ContractError) {
        self = try Contract.parse(json, path: "")
    }

    /// Parses contract JSON text.
    /// - Throws: ``ContractError`` — `invalid_json` (path empty) when the text is not JSON,
    ///   otherwise as ``init(json:)``.
    public init(jsonText: String) throws(ContractError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(jsonText)
        } catch {
            throw ContractError(code: .invalidJSON, message: error.description, path: "")
        }
        try self.init(json: value)
    }

    /// The JSON form: `{"fields": {...}}`, fields in order.
    public var json: JSONValue {
        var specs = JSONObject()
        for (name, type) in fields { specs[name] = type.json }
        var root = JSONObject([("fields", .object(specs))])
        if readOnly { root["read_only"] = .bool(true) }
        return .object(root)
    }

    /// The compact JSON text of ``json``.
    public var jsonText: String { JSONWriter.string(json) }

    fileprivate static func parse(_ value: JSONValue, path: String) throws(ContractError) -> Contract {
        guard case .object(let root) = value else {
            throw invalid("a contract must be an object {\"fields\": {...}}, found \(value.kindName)", path)
        }
        for key in root.keys where key != "fields" && key != "read_only" {
            throw invalid("unexpected key '\(key)' in a contract (only \"fields\" and \"read_only\" are allowed)", join(path, key))
        }
        var readOnly = false
        if let flag = root["read_only"] {
            guard case .bool(let b) = flag else {
                throw invalid("\"read_only\" must be a boolean, found \(flag.kindName)", join(path, "read_only"))
            }
            readOnly = b
        }
        let fieldsPath = join(path, "fields")
        guard let fieldsValue = root["fields"] else {
            throw invalid("a contract must have the key \"fields\"", path)
        }
        guard case .object(let specs) = fieldsValue else {
            throw invalid("\"fields\" must be an object, found \(fieldsValue.kindName)", fieldsPath)
        }
        var fields: [(String, FieldType)] = []
        fields.reserveCapacity(specs.count)
        for (name, spec) in specs.entries {
            fields.append((name, try FieldType.parse(spec, path: join(fieldsPath, name))))
        }
        var contract = Contract(fields)
        contract.readOnly = readOnly
        return contract
    }

    fileprivate static func invalid(_ message: String, _ path: String) -> ContractError {
        ContractError(code: .invalidContract, message: message, path: path)
    }

    fileprivate static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }
}

extension FieldType {
    /// The names of the leaf types, in their JSON spelling.
    static let leafNames: [(String, FieldType)] = [
        ("string", .string), ("non_empty_string", .nonEmptyString), ("number", .number),
        ("boolean", .boolean), ("date", .date), ("interface_name", .interfaceName), ("any", .any),
    ]

    /// The JSON spec of this type (see ``Contract/init(json:)``).
    public var json: JSONValue {
        switch self {
        case .list(let item): return .object(JSONObject([("list", item.json)]))
        case .optional(let inner): return .object(JSONObject([("optional", inner.json)]))
        case .object(let contract): return .object(JSONObject([("object", contract.json)]))
        default:
            for (name, type) in Self.leafNames where type == self { return .string(name) }
            return .null  // unreachable: every leaf case is in leafNames
        }
    }

    /// Parses one spec; `path` names it in errors.
    static func parse(_ spec: JSONValue, path: String) throws(ContractError) -> FieldType {
        switch spec {
        case .string(let name):
            for (leaf, type) in leafNames where leaf == name { return type }
            let known = leafNames.map(\.0).joined(separator: ", ")
            throw Contract.invalid("unknown type name '\(name)' (expected one of \(known))", path)
        case .object(let object):
            guard object.count == 1, let (key, inner) = object.entries.first else {
                throw Contract.invalid(
                    "a type object must have exactly one key (optional, list or object), found \(object.count)", path)
            }
            let innerPath = Contract.join(path, key)
            switch key {
            case "optional": return .optional(try parse(inner, path: innerPath))
            case "list": return .list(try parse(inner, path: innerPath))
            case "object": return .object(try Contract.parse(inner, path: innerPath))
            default:
                throw Contract.invalid("unknown type constructor '\(key)' (expected optional, list or object)", innerPath)
            }
        default:
            throw Contract.invalid("a type must be a name string or a one-key object, found \(spec.kindName)", path)
        }
    }
}

extension Contract {
    /// The contract a host checks a registered topic's messages against: the upstream base
    /// message (`correlation_id`, `action`, `requested_at`) merged with the plugin's
    /// `contract_json` (empty bytes = no fields of its own).
    /// - Throws: the parser's error for bytes that are not JSON, ``ContractError`` for JSON that
    ///   is not a contract.
    public static func registered(contractJSON bytes: [UInt8]) throws -> Contract {
        let json: JSONValue = bytes.isEmpty ? .object(JSONObject([("fields", .object(JSONObject()))])) : try JSONParser.parse(bytes)
        return Contract.baseMessage.merging(try Contract(json: json))
    }
}

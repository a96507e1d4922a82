import AgentJSON

/// The naming and value rules of the store, checked before anything is read or written.
enum StoreValidation {
    /// Longest namespace name, in characters (all ASCII).
    static let maxNamespaceLength = 128
    /// Longest key, in UTF-8 bytes.
    static let maxKeyBytes = 1024
    /// Deepest value nesting that still parses back: the file wraps each value in two objects.
    static let maxValueDepth = JSONParser.defaultMaxDepth - 2

    static func namespace(_ ns: String) throws(StoreError) {
        let bytes = Array(ns.utf8)
        let allowed = bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
        guard !bytes.isEmpty, bytes.count <= maxNamespaceLength, allowed, bytes[0] != UInt8(ascii: ".") else {
            throw StoreError(
                code: .invalidNamespace,
                message: "namespace \"\(ns)\" is invalid: use 1-\(maxNamespaceLength) characters of "
                    + "[A-Za-z0-9._-], not starting with '.' (e.g. the plugin id com.example.counter)")
        }
    }

    static func key(_ key: String) throws(StoreError) {
        let count = key.utf8.count
        guard count > 0, count <= maxKeyBytes, !key.utf8.contains(0) else {
            throw StoreError(
                code: .invalidKey,
                message: "key of \(count) bytes is invalid: use a non-empty UTF-8 string of at most "
                    + "\(maxKeyBytes) bytes without NUL characters")
        }
    }

    static func value(_ value: JSONValue, key: String) throws(StoreError) {
        guard depthIfFinite(value, limit: maxValueDepth) != nil else {
            throw StoreError(
                code: .invalidValue,
                message: "value for key \"\(key)\" cannot be stored: numbers must be finite and "
                    + "arrays/objects nested at most \(maxValueDepth) deep")
        }
    }

    /// The nesting depth of `value`, or nil if it holds a non-finite number or exceeds `limit`.
    private static func depthIfFinite(_ value: JSONValue, limit: Int) -> Int? {
        switch value {
        case .null, .bool, .string: return 0
        case .number(let d): return d.isFinite ? 0 : nil
        case .array(let items): return containerDepth(items, limit: limit)
        case .object(let obj): return containerDepth(obj.entries.map(\.value), limit: limit)
        }
    }

    private static func containerDepth(_ children: [JSONValue], limit: Int) -> Int? {
        guard limit >= 1 else { return nil }
        var deepest = 0
        for child in children {
            guard let d = depthIfFinite(child, limit: limit - 1) else { return nil }
            deepest = max(deepest, d)
        }
        return deepest + 1
    }
}

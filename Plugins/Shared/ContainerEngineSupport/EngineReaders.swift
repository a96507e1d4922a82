import AgentJSON

/// The readers of an engine's JSON that fail (``EngineJSON``'s lenient ones never do), with the
/// protocol's `engine_bad_response` worded for this engine.
extension EngineDialect {
    /// `o[key]` as a non-empty string.
    /// - Throws: `engine_bad_response` when absent.
    public func requiredString(_ key: String, in o: JSONObject, what: String) throws(ContainerEngineError) -> String {
        guard let s = o[key]?.stringValue, !s.isEmpty else {
            throw ContainerEngineError(.engineBadResponse, "the \(name)'s \(what) has no \(key)")
        }
        return s
    }

    /// The value as an object.
    /// - Throws: `engine_bad_response` otherwise.
    public func object(_ v: JSONValue, what: String) throws(ContainerEngineError) -> JSONObject {
        guard let o = v.objectValue else {
            throw ContainerEngineError(.engineBadResponse, "the \(name)'s \(what) is not a JSON object")
        }
        return o
    }

    /// The value as an array of objects (`null`, as both engines write an empty list: none).
    /// - Throws: `engine_bad_response` otherwise.
    public func objects(_ v: JSONValue, what: String) throws(ContainerEngineError) -> [JSONObject] {
        if v.isNull { return [] }
        guard let a = v.arrayValue else {
            throw ContainerEngineError(.engineBadResponse, "the \(name)'s \(what) is not a JSON array")
        }
        return a.compactMap(\.objectValue)
    }
}

/// Text helpers for engine fields, the same for every engine.
public enum EngineText {
    /// `"/plc1"` → `"plc1"` (Docker prefixes container names with a slash).
    public static func containerName(_ raw: String) -> String { raw.hasPrefix("/") ? String(raw.dropFirst()) : raw }

    /// `"172.18.0.2/16"` → `"172.18.0.2"`.
    public static func addressWithoutPrefix(_ cidr: String) -> String {
        cidr.split(separator: "/", maxSplits: 1).first.map(String.init) ?? cidr
    }

    /// An empty string (or Go's `<nil>`, which Podman writes) as JSON null.
    public static func stringOrNull(_ s: String) -> JSONValue { s.isEmpty || s == "<nil>" ? .null : .string(s) }
}

import AgentJSON
import ContainerEngineSupport

/// ``EngineJSON``'s lenient readers (ContainerEngineSupport) read the engine's objects; these are
/// the readers that fail, with this engine's error.
enum PodmanJSON {
    /// `o[key]` as a non-empty string.
    /// - Throws: `engine_bad_response` when absent.
    static func requiredString(_ key: String, in o: JSONObject, what: String) throws(PodmanEngineError) -> String {
        guard let s = o[key]?.stringValue, !s.isEmpty else {
            throw PodmanEngineError(.engineBadResponse, "the Podman service's \(what) has no \(key)")
        }
        return s
    }

    /// The value as an object.
    /// - Throws: `engine_bad_response` otherwise.
    static func object(_ v: JSONValue, what: String) throws(PodmanEngineError) -> JSONObject {
        guard let o = v.objectValue else { throw PodmanEngineError(.engineBadResponse, "the Podman service's \(what) is not a JSON object") }
        return o
    }

    /// The value as an array of objects (`null`: none).
    /// - Throws: `engine_bad_response` otherwise.
    static func objects(_ v: JSONValue, what: String) throws(PodmanEngineError) -> [JSONObject] {
        if v.isNull { return [] }
        guard let a = v.arrayValue else { throw PodmanEngineError(.engineBadResponse, "the Podman service's \(what) is not a JSON array") }
        return a.compactMap(\.objectValue)
    }

    /// `"/plc1"` → `"plc1"`.
    static func containerName(_ raw: String) -> String { raw.hasPrefix("/") ? String(raw.dropFirst()) : raw }

    /// `"172.18.0.2/16"` → `"172.18.0.2"`.
    static func addressWithoutPrefix(_ cidr: String) -> String {
        cidr.split(separator: "/", maxSplits: 1).first.map(String.init) ?? cidr
    }

    /// An empty string (or Go's `<nil>`) as JSON null.
    static func stringOrNull(_ s: String) -> JSONValue { s.isEmpty || s == "<nil>" ? .null : .string(s) }
}

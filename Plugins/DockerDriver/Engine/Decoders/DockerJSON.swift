import AgentJSON
import ContainerEngineSupport

/// ``EngineJSON``'s lenient readers (ContainerEngineSupport) read the engine's objects; these are
/// the readers that fail, with this engine's error.
enum DockerJSON {
    /// `o[key]` as a non-empty string.
    /// - Throws: `engine_bad_response` when absent.
    static func requiredString(_ key: String, in o: JSONObject, what: String) throws(DockerEngineError) -> String {
        guard let s = o[key]?.stringValue, !s.isEmpty else {
            throw DockerEngineError(.engineBadResponse, "the engine's \(what) has no \(key)")
        }
        return s
    }

    /// The value as an object.
    /// - Throws: `engine_bad_response` otherwise.
    static func object(_ v: JSONValue, what: String) throws(DockerEngineError) -> JSONObject {
        guard let o = v.objectValue else { throw DockerEngineError(.engineBadResponse, "the engine's \(what) is not a JSON object") }
        return o
    }

    /// The value as an array of objects.
    /// - Throws: `engine_bad_response` otherwise.
    static func objects(_ v: JSONValue, what: String) throws(DockerEngineError) -> [JSONObject] {
        guard let a = v.arrayValue else { throw DockerEngineError(.engineBadResponse, "the engine's \(what) is not a JSON array") }
        return a.compactMap(\.objectValue)
    }

    /// `"/plc1"` → `"plc1"` (Docker prefixes container names with a slash).
    static func containerName(_ raw: String) -> String { raw.hasPrefix("/") ? String(raw.dropFirst()) : raw }

    /// `"172.18.0.2/16"` → `"172.18.0.2"`.
    static func addressWithoutPrefix(_ cidr: String) -> String {
        cidr.split(separator: "/", maxSplits: 1).first.map(String.init) ?? cidr
    }

    /// An empty string as JSON null.
    static func stringOrNull(_ s: String) -> JSONValue { s.isEmpty ? .null : .string(s) }
}

import AgentJSON

/// One line read from the sidecar, told apart the way the protocol says: an object with a
/// string `type` is an event, any other object is a reply to a command.
public enum NetmonMessage: Sendable, Equatable {
    /// `{"type": T, "data": {...}}`; a missing or non-object `data` reads as `{}`.
    case event(type: String, data: JSONObject)
    /// A command reply. `id` is the echoed request id as text (nil when the peer sent none: the
    /// upstream sidecar never does); `body` is the reply without its `id`.
    case reply(id: String?, body: JSONObject)
    /// Not a JSON object (logged and skipped).
    case invalid(reason: String)

    /// Classifies one line (without its newline).
    public static func parse(_ line: [UInt8]) -> NetmonMessage {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { return .invalid(reason: "not JSON: \(error.message)") }
        guard let object = value.objectValue else { return .invalid(reason: "a JSON \(value.kindName), not an object") }
        if let type = object["type"]?.stringValue {
            return .event(type: type, data: object["data"]?.objectValue ?? [:])
        }
        var body = object
        body["id"] = nil
        return .reply(id: object["id"].flatMap(requestID), body: body)
    }

    /// The text form of a request id (`7` and `"7"` are the same id); nil for other JSON kinds.
    public static func requestID(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let n) where n == n.rounded() && abs(n) < 9e15: return String(Int64(n))
        case .number(let n): return String(n)
        default: return nil
        }
    }
}

import AgentJSON

/// The local door's wire format: newline-delimited JSON over a unix socket.
///
/// Request: `{"topic": "get_device_status", "message": {…}, "id": "any", "events": false}` —
/// `message` defaults to `{}`; with `events: true` the connection also receives every event the
/// plugins emit from then on as `{"event": <topic>, "payload": {…}}` lines (for `ctl --wait`).
/// Reply: `{"id": …, "response": {…}}` where `response` is exactly what the cloud would get.
/// A line that is not a request: `{"id": …, "error": {"code", "message"}}`; the connection
/// stays open. A peer that is not allowed gets one `forbidden` error line and is closed.
public enum DoorMessage {
    /// Longest request line accepted (1 MiB); a longer one is answered `line_too_long` and the
    /// connection closed (the rest of that line cannot be resynchronised).
    public static let maxLineBytes = 1 << 20

    /// A parsed request.
    public struct Request: Sendable {
        public var id: JSONValue
        public var topic: String
        public var message: JSONValue
        public var events: Bool
    }

    /// Parses one request line; the error carries a stable code and the request id when known.
    static func parse(_ line: [UInt8]) -> Result<Request, DoorError> {
        // handled: a line that is not JSON answers invalid_json
        guard let value = try? JSONParser.parse(line) else { return .failure(DoorError(id: .null, "invalid_json", "the line is not JSON")) }
        guard let obj = value.objectValue else {
            return .failure(DoorError(id: .null, "invalid_request", "a request is a JSON object with a topic"))
        }
        let id = obj["id"] ?? .null
        guard let topic = obj["topic"]?.stringValue, !topic.isEmpty else {
            return .failure(DoorError(id: id, "invalid_request", "'topic' (a non-empty string) is required"))
        }
        var events = false
        if let e = obj["events"] {
            guard let b = e.boolValue else { return .failure(DoorError(id: id, "invalid_request", "'events' must be true or false")) }
            events = b
        }
        return .success(Request(id: id, topic: topic, message: obj["message"] ?? .object(JSONObject()), events: events))
    }

    static func reply(id: JSONValue, response: JSONObject) -> [UInt8] {
        JSONWriter.bytes(["id": id, "response": .object(response)]) + [UInt8(ascii: "\n")]
    }

    static func event(topic: String, payload: JSONObject) -> [UInt8] {
        JSONWriter.bytes(["event": .string(topic), "payload": .object(payload)]) + [UInt8(ascii: "\n")]
    }

    static func error(_ e: DoorError) -> [UInt8] {
        JSONWriter.bytes(["id": e.id, "error": ["code": .string(e.code), "message": .string(e.message)]]) + [UInt8(ascii: "\n")]
    }
}

/// A door-level refusal (before any topic runs).
struct DoorError: Error, Sendable {
    let id: JSONValue
    let code: String
    let message: String
    init(id: JSONValue, _ code: String, _ message: String) {
        self.id = id
        self.code = code
        self.message = message
    }
}

import AgentJSON

/// Builds command replies: one JSON object without `type`, `id` first when the request had one.
public enum Reply {
    /// `{"id"?, "success": true, ...extras}`.
    public static func success(id: JSONValue?, _ extras: JSONObject = JSONObject()) -> JSONValue {
        var o = JSONObject()
        if let id { o["id"] = id }
        o["success"] = .bool(true)
        for (k, v) in extras.entries where k != "id" && k != "success" { o[k] = v }
        return .object(o)
    }

    /// `{"id"?, "success": false, "error": message, "code": code, "field"?: field, ...extras}`.
    public static func failure(id: JSONValue?, _ error: NetmonError, _ extras: JSONObject = JSONObject()) -> JSONValue {
        var o = JSONObject()
        if let id { o["id"] = id }
        o["success"] = .bool(false)
        o["error"] = .string(error.message)
        o["code"] = .string(error.code.rawValue)
        if let field = error.field { o["field"] = .string(field) }
        for (k, v) in extras.entries where o[k] == nil { o[k] = v }
        return .object(o)
    }

    /// The answer to a line that could not be parsed.
    public static func rejected(_ r: RejectedRequest) -> JSONValue { failure(id: r.id, r.error) }

    /// The line sent to a peer whose uid may not use the socket, just before closing.
    public static func peerRefused(uid: UInt32) -> JSONValue {
        ["success": false, "code": .string(NetmonError.Code.peerRefused.rawValue), "error": .string("uid \(uid) may not use netmon")]
    }
}

import AgentJSON

/// Builds the responses the cloud expects (upstream-compatible envelope, spec §1.6 and §4).
///
/// Success: the handler's object merged into `{"action": <topic>, "correlation_id": <id|null>}`,
/// handler keys winning. Error: `{"action", "correlation_id", "status": "error", "error": <text>,
/// "code": <stable code>, "field"?: <path>}` — the upstream shape plus `code` and `field`.
public enum Response {
    /// A success response.
    public static func success(action: String, correlationID: JSONValue, result: JSONObject) -> JSONObject {
        var out = JSONObject()
        out["action"] = .string(action)
        out["correlation_id"] = correlationID
        for (k, v) in result.entries { out[k] = v }
        return out
    }

    /// An error response.
    public static func error(
        action: String, correlationID: JSONValue, code: String, message: String, field: String? = nil,
        details: JSONObject? = nil
    ) -> JSONObject {
        var out = JSONObject()
        out["action"] = .string(action)
        out["correlation_id"] = correlationID
        out["status"] = "error"
        out["error"] = .string(message)
        out["code"] = .string(code)
        if let field, !field.isEmpty { out["field"] = .string(field) }
        if let details { out["details"] = .object(details) }
        return out
    }

    /// The correlation id of a message as upstream reads it: the `correlation_id` member or null.
    public static func correlationID(of message: JSONObject?) -> JSONValue {
        message?["correlation_id"] ?? .null
    }
}

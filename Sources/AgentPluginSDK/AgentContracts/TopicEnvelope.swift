import AgentJSON

/// The host's side of one topic call, shared by the agent's dispatcher and the plugin test kit's
/// host double so both treat a message and an answer the same way.
public enum TopicEnvelope {
    /// Prepares `message` for a handler: with `addDefaults`, fills `action` (the topic) and
    /// `requested_at` (now) when absent; then validates it against `contract`.
    /// - Returns: the message to hand over, or the error response to answer instead.
    public static func prepare(topic: String, message: JSONObject, addDefaults: Bool, contract: Contract?)
        -> Result<JSONObject, Refusal>
    {
        var object = message
        if addDefaults {
            if object["action"] == nil { object["action"] = .string(topic) }
            if object["requested_at"] == nil { object["requested_at"] = .string(ISODate.now()) }
        }
        if let violation = contract?.validate(object) {
            return .failure(
                Refusal(
                    response: Response.error(
                        action: topic, correlationID: Response.correlationID(of: message), code: violation.code.rawValue,
                        message: violation.message, field: violation.field)))
        }
        return .success(object)
    }

    /// The response for a handler's completion: on success (`status` 0, the ABI's `AGENT_OK`)
    /// its object merged into the envelope; otherwise its error body (`code`, `message`,
    /// `field`, `details`) as an error response, `defaultCode` naming a status that came
    /// without a body.
    public static func reply(
        topic: String, correlationID: JSONValue, status: Int32, body: [UInt8], defaultCode: (Int32) -> String
    ) -> JSONObject {
        // handled: a body that is not JSON is answered below as an `internal` error or by status
        let parsed = try? JSONParser.parse(body)
        if status == 0 {
            guard let result = parsed?.objectValue else {
                return Response.error(
                    action: topic, correlationID: correlationID, code: "internal",
                    message: "Topic '\(topic)' answered with something that is not a JSON object")
            }
            return Response.success(action: topic, correlationID: correlationID, result: result)
        }
        let err = parsed?.objectValue
        return Response.error(
            action: topic, correlationID: correlationID,
            code: err?["code"]?.stringValue ?? defaultCode(status),
            message: err?["message"]?.stringValue ?? "Topic '\(topic)' failed with status \(status)",
            field: err?["field"]?.stringValue, details: err?["details"]?.objectValue)
    }

    /// An error response given instead of calling the handler.
    public struct Refusal: Error, Sendable {
        /// The response to answer.
        public let response: JSONObject
    }
}

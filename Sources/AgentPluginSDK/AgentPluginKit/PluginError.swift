import CAgentABI
import AgentJSON

/// The error a plugin throws to answer a request with a typed failure.
///
/// It becomes the ABI's error object `{code, message, field?, details?}` with `status`, and the
/// host turns that into the cloud's error response (`status: "error"`, `error`, `code`,
/// `field`). Any other error thrown by a handler is reported as `internal` with its description.
public struct PluginError: Error, Sendable, Equatable {
    /// The ABI status class (see `agent_plugin.h`); `AGENT_E_INVALID_ARGUMENT` by default.
    public var status: Int32
    /// A stable snake_case code, e.g. `device_not_found`.
    public var code: String
    /// What went wrong and, where possible, how to fix it.
    public var message: String
    /// The offending input field, if any (`vnics[0].ip`).
    public var field: String?
    /// Extra machine-readable facts.
    public var details: JSONObject?

    public init(
        status: Int32 = Int32(AGENT_E_INVALID_ARGUMENT), code: String, message: String, field: String? = nil,
        details: JSONObject? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    /// The ABI error body.
    public var json: JSONValue {
        var o = JSONObject()
        o["code"] = .string(code)
        o["message"] = .string(message)
        if let field { o["field"] = .string(field) }
        if let details { o["details"] = .object(details) }
        return .object(o)
    }

    /// Maps any thrown error onto a `PluginError` (non-plugin errors become `internal`).
    public static func from(_ error: any Error) -> PluginError {
        if let e = error as? PluginError { return e }
        if error is CancellationError {
            return PluginError(status: Int32(AGENT_E_CANCELLED), code: "cancelled", message: "the request was cancelled")
        }
        return PluginError(status: Int32(AGENT_E_INTERNAL), code: "internal", message: String(describing: error))
    }

    /// Parses an ABI error body received from the host or another plugin.
    public static func decode(status: Int32, body: [UInt8]) -> PluginError {
        // harmless: a body that is not JSON still gives a typed error (`status_<n>`, the status kept).
        let obj = (try? JSONParser.parse(body))?.objectValue
        return PluginError(
            status: status,
            code: obj?["code"]?.stringValue ?? "status_\(status)",
            message: obj?["message"]?.stringValue ?? "call failed with status \(status)",
            field: obj?["field"]?.stringValue,
            details: obj?["details"]?.objectValue
        )
    }
}

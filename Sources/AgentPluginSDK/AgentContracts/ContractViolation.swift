/// Why a message does not satisfy a ``Contract``.
///
/// Contract:
/// - `code` is stable: `missing_field`, `invalid_type` or `validation_error`.
/// - `field` is the path of the offending value from the message root: keys joined by `.`,
///   list indices in brackets (`device_id`, `vnics[2].network_mode`, `ip.config.gateway`);
///   empty when the message itself is at fault.
/// - `message` is the exact upstream text, which never names the field:
///   `Missing required field: 'Missing key: <key>'` (the key is the last path component),
///   `Invalid field type: Value must be a string.` (and the other type texts), or
///   `Validation error: <text>`.
public struct ContractViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable machine-readable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }
        /// A required key is absent.
        public static let missingField = Code("missing_field")
        /// A key is present with a value of the wrong type or form.
        public static let invalidType = Code("invalid_type")
        /// Any other failure (e.g. the message is not a JSON object).
        public static let validationError = Code("validation_error")
        public var description: String { rawValue }
    }

    public let code: Code
    public let field: String
    public let message: String

    public init(code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// A missing-field violation with the upstream text for `key` (quoted as Python quotes a `KeyError`).
    public static func missingField(_ key: String, at field: String) -> ContractViolation {
        let inner = "Missing key: \(key)"
        let quoted = inner.contains("'") && !inner.contains("\"") ? "\"\(inner)\"" : "'\(inner)'"
        return ContractViolation(code: .missingField, field: field, message: "Missing required field: \(quoted)")
    }

    /// A wrong-type violation: `Invalid field type: Value must be <expectation>.`
    public static func invalidType(_ expectation: String, at field: String) -> ContractViolation {
        ContractViolation(code: .invalidType, field: field, message: "Invalid field type: Value must be \(expectation).")
    }

    /// Any other failure: `Validation error: <text>`.
    public static func validationError(_ text: String, at field: String = "") -> ContractViolation {
        ContractViolation(code: .validationError, field: field, message: "Validation error: \(text)")
    }

    public var description: String { field.isEmpty ? "\(code): \(message)" : "\(code) at \(field): \(message)" }
}

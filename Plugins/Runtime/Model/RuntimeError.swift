/// The one error type of the vPLC model: a stable snake_case `code`, a message that says what to
/// fix, and the offending input `field` when there is one (`vnic_configs[0].ip`).
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var field: String?

    public init(_ code: String, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { field.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)" }
}

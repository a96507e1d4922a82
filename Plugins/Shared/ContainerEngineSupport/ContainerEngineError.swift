import AgentJSON
import HTTP1Client

/// The one error type of the container drivers (the Docker and the Podman driver alike): a stable
/// ``Code`` (the protocol's codes of docs/container-driver.md), the engine's own message when it
/// answered, the HTTP status it answered with, and the offending parameter for `bad_params`.
///
/// One type for both engines because the codes are the protocol's, not an engine's: the runtime
/// plugin reads the same codes whichever driver is loaded. ``EngineDialect`` words the messages
/// for the engine that answered.
public struct ContainerEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public let code: Code
    /// What went wrong: the engine's own message when it sent one.
    public let message: String
    /// The offending parameter (`networks[1].ipv4_address`), for `bad_params`.
    public let field: String?
    /// The HTTP status, when the engine answered.
    public let httpStatus: Int?

    public init(_ code: Code, _ message: String, field: String? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.httpStatus = httpStatus
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let field { s += " (field \(field))" }
        if let httpStatus { s += " [HTTP \(httpStatus)]" }
        return s
    }
}

extension ContainerEngineError: DriverFailure {
    /// `bad_params` naming `field`.
    public static func badParams(_ field: String, _ message: String) -> ContainerEngineError {
        ContainerEngineError(.badParams, message, field: field)
    }

    /// `engine_timeout`.
    public static func timedOut(_ message: String) -> ContainerEngineError { ContainerEngineError(.engineTimeout, message) }
}

extension ContainerEngineError: EngineFailure {
    /// The code as the protocol spells it.
    public var codeName: String { code.rawValue }
}

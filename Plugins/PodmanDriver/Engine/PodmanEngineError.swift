import AgentJSON
import ContainerEngineSupport
import HTTP1Client

/// The one error type of the Podman driver: a stable ``Code`` (the protocol's codes of
/// docs/container-driver.md, the same as the Docker driver's), Podman's own message when it
/// answered, the HTTP status it answered with, and the offending parameter for `bad_params`.
public struct PodmanEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable snake_case code. Compare codes, not messages.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as text, e.g. `engine_not_found`.
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }

        /// A parameter is missing or has the wrong type (``PodmanEngineError/field`` names it).
        public static let badParams = Code("bad_params")
        /// No such method, or a method this engine does not offer (see `engine.capabilities`).
        public static let unknownMethod = Code("unknown_method")
        /// The plugin configuration is unusable (e.g. a `tcp://` socket).
        public static let badConfig = Code("bad_config")
        /// The socket cannot be connected or the connection broke.
        public static let engineUnreachable = Code("engine_unreachable")
        /// No complete answer within the call's timeout.
        public static let engineTimeout = Code("engine_timeout")
        /// HTTP 404: no such container, image or network.
        public static let engineNotFound = Code("engine_not_found")
        /// HTTP 409: name in use and the like.
        public static let engineConflict = Code("engine_conflict")
        /// HTTP 400: the engine refused the request's content.
        public static let engineBadRequest = Code("engine_bad_request")
        /// HTTP 403: the engine refused the operation.
        public static let engineForbidden = Code("engine_forbidden")
        /// HTTP 5xx, an error in an answer's body, or any other unexpected answer.
        public static let engineError = Code("engine_error")
        /// The engine's body did not decode.
        public static let engineBadResponse = Code("engine_bad_response")
        /// The calling task was cancelled.
        public static let cancelled = Code("cancelled")

        public var description: String { rawValue }
    }

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

    /// Maps a transport failure: no connection or a broken one → `engine_unreachable`, deadline →
    /// `engine_timeout`, an undecodable or oversized answer → `engine_bad_response`.
    public static func from(_ error: HTTPClientError) -> PodmanEngineError {
        let text = error.cause.map { "\(error.message): \($0)" } ?? error.message
        switch error.code {
        case .connectFailed, .connectionClosed: return PodmanEngineError(.engineUnreachable, "Podman service unreachable: \(text)")
        case .timeout: return PodmanEngineError(.engineTimeout, "the Podman service did not answer in time: \(text)")
        case .cancelled: return PodmanEngineError(.cancelled, "the call was cancelled")
        case .requestBodyFailed: return PodmanEngineError(.engineError, "sending the request failed: \(text)")
        default: return PodmanEngineError(.engineBadResponse, "the Podman service's answer is unusable: \(text)")
        }
    }

    /// Podman answers some refusals with HTTP 500 and says what they are in `cause` (its error
    /// sentinels): those get the code Docker's status would give (seen on Podman 4.3).
    static let causes: [String: Code] = [
        "network not found": .engineNotFound, "no such container": .engineNotFound, "no such network": .engineNotFound,
        "image not known": .engineNotFound, "network is being used": .engineForbidden, "network already exists": .engineConflict,
        "that name is already in use": .engineConflict,
    ]

    /// Maps an error answer: the status picks the code (404, 409, 400, 403, else
    /// `engine_error`), or for a 500 a known `cause` (``causes``); Podman's `{"cause",
    /// "message", "response"}` body (or the body text) becomes the message.
    public static func fromStatus(_ status: Int, body: [UInt8]) -> PodmanEngineError {
        // harmless: an error body that is not JSON becomes the message as text (below)
        let object = (try? JSONParser.parse(body))?.objectValue
        var code: Code
        switch status {
        case 404: code = .engineNotFound
        case 409: code = .engineConflict
        case 400: code = .engineBadRequest
        case 403: code = .engineForbidden
        default: code = .engineError
        }
        if status >= 500, let cause = object?["cause"]?.stringValue, let known = causes[cause] { code = known }
        var message = object?["message"]?.stringValue
        if message == nil {
            let text = String(decoding: body.prefix(512), as: UTF8.self)
            message = text.isEmpty ? "the Podman service answered HTTP \(status)" : text
        }
        return PodmanEngineError(code, message ?? "", httpStatus: status)
    }
}

extension PodmanEngineError: DriverFailure {
    /// `bad_params` naming `field`.
    public static func badParams(_ field: String, _ message: String) -> PodmanEngineError {
        PodmanEngineError(.badParams, message, field: field)
    }

    /// `engine_timeout`.
    public static func timedOut(_ message: String) -> PodmanEngineError { PodmanEngineError(.engineTimeout, message) }
}

/// The shared parameter reader, failing with this driver's error.
typealias Params = DriverParams<PodmanEngineError>
/// The shared call deadline, failing with this driver's error.
typealias Deadline = CallDeadline<PodmanEngineError>

extension PodmanEngineError: EngineFailure {
    /// The code as the protocol spells it.
    public var codeName: String { code.rawValue }
}

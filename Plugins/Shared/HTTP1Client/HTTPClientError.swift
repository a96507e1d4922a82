/// The one error type of ``HTTP1Client``: a stable ``Code``, a message that says what happened,
/// and the underlying error's description when there was one.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, snake_case error code. Compare codes, not messages.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as text, e.g. `connect_failed`.
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }

        /// The connection could not be made (no such socket, refused, unreachable, TLS setup failed).
        public static let connectFailed = Code("connect_failed")
        /// The request's deadline passed before the response was complete (or, for a stream,
        /// before its head arrived or its total deadline).
        public static let timeout = Code("timeout")
        /// The peer closed the connection, or it broke, before the response was complete.
        public static let connectionClosed = Code("connection_closed")
        /// The body exceeded the caller's `maxBody`.
        public static let bodyTooLarge = Code("body_too_large")
        /// The peer's bytes are not a valid HTTP/1.1 response.
        public static let badResponse = Code("bad_response")
        /// A streamed request body threw or did not have its declared length.
        public static let requestBodyFailed = Code("request_body_failed")
        /// The calling task was cancelled (the connection was closed).
        public static let cancelled = Code("cancelled")

        public var description: String { rawValue }
    }

    /// What kind of failure.
    public let code: Code
    /// What happened, for people.
    public let message: String
    /// The underlying error, described, if any.
    public let cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        cause.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }

    /// Maps any error to an `HTTPClientError` (kept as is when it already is one; a
    /// `CancellationError` becomes `cancelled`; anything else `connection_closed`).
    public static func from(_ error: any Error) -> HTTPClientError {
        if let e = error as? HTTPClientError { return e }
        if error is CancellationError { return HTTPClientError(.cancelled, "the request was cancelled") }
        return HTTPClientError(.connectionClosed, "the connection failed", cause: String(describing: error))
    }
}

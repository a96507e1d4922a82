/// The error type of the diagnosis probes (sockets, files, HTTP): a stable `code` and a message
/// naming what failed. Probes turn these into `fail`/`warn` results; nothing escapes `check`.
public struct CheckError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as shown (`connection_refused`).
        public let rawValue: String
        /// A code; use the constants below.
        public init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }

        /// The path does not exist.
        public static let missing = Code("missing")
        /// The file or socket exists but this process may not open it.
        public static let permissionDenied = Code("permission_denied")
        /// Nothing accepts connections on the socket (or the path is not a socket).
        public static let connectionRefused = Code("connection_refused")
        /// No (complete) answer before the deadline.
        public static let timeout = Code("timeout")
        /// The peer closed the connection before it answered.
        public static let closed = Code("closed")
        /// The answer was not what the protocol says (HTTP, JSON, NDJSON).
        public static let badResponse = Code("bad_response")
        /// The input (a file, a config value) is unusable.
        public static let invalid = Code("invalid")
        /// Any other system call failure.
        public static let io = Code("io")
    }

    /// What kind of failure.
    public let code: Code
    /// What failed, naming the path or peer.
    public let message: String

    /// An error with `code` and `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

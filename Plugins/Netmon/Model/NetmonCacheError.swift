/// The one error of the `NetmonCache` module: a stable code and a message that says what to do.
public struct NetmonCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, snake_case codes (extensible without breaking clients).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }

        /// No interface is known yet (the sidecar is not running or sent nothing).
        public static let cacheEmpty = Code("interface_cache_empty")

        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// Equality on the code only (messages may be reworded).
    public static func == (lhs: NetmonCacheError, rhs: NetmonCacheError) -> Bool { lhs.code == rhs.code }
}

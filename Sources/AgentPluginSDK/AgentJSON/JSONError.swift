/// Why a byte sequence is not acceptable JSON.
///
/// `code` is stable (`invalid_json`, `too_deep`, `too_large`); `offset` is the byte offset where
/// the parser stopped, and `message` says what it expected there.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable machine-readable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }
        /// The bytes are not valid JSON (syntax, encoding, trailing data).
        public static let invalidJSON = Code("invalid_json")
        /// Nesting exceeds ``JSONParser/maxDepth``.
        public static let tooDeep = Code("too_deep")
        /// The input exceeds the parser's byte limit.
        public static let tooLarge = Code("too_large")
        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String
    public let offset: Int

    public init(code: Code, message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(code): \(message) at byte \(offset)" }
}

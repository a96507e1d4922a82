/// Why an Engine.IO or Socket.IO packet could not be parsed. Stable `code`s; the transport logs
/// and drops such frames (the connection survives).
public struct FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }
        /// Empty frame.
        public static let empty = Code("empty")
        /// Unknown packet type digit.
        public static let unknownType = Code("unknown_type")
        /// The JSON part does not parse or has the wrong shape.
        public static let badPayload = Code("bad_payload")
        /// A malformed header (ack id, attachment count, namespace).
        public static let badHeader = Code("bad_header")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

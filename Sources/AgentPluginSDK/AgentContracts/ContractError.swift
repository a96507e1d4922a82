/// Why a contract description (its JSON form) is not acceptable.
///
/// Contract: `code` is stable (`invalid_contract`: well-formed JSON of the wrong shape;
/// `invalid_json`: the text is not JSON at all). `path` locates the offending value as dot-joined
/// keys from the root of the contract document, e.g. `fields.vnics.list.object.fields.mode`
/// (empty for the root itself). `message` says what was expected there, for humans.
public struct ContractError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable machine-readable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }
        /// The JSON is well formed but does not describe a contract.
        public static let invalidContract = Code("invalid_contract")
        /// The contract text is not valid JSON.
        public static let invalidJSON = Code("invalid_json")
        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String
    public let path: String

    public init(code: Code, message: String, path: String) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String {
        path.isEmpty ? "\(code): \(message)" : "\(code) at \(path): \(message)"
    }
}

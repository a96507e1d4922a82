/// Why the test host could not do what a test asked (load, register, find). Codes are stable.
public struct TestKitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes.
    public enum Code: String, Sendable {
        /// The plugin's `init` failed (its error body is in the message).
        case initFailed = "init_failed"
        /// The plugin's `register_protocols` failed, or a registration was refused.
        case registerFailed = "register_failed"
        /// The library could not be opened or has no entry point.
        case libraryUnusable = "library_unusable"
        /// The library's descriptor is not one this host loads (magic, ABI, toolchain).
        case descriptorRefused = "descriptor_refused"
        /// Nothing is registered under that protocol and name.
        case notRegistered = "not_registered"
        /// The store directory could not be made or opened.
        case storeUnavailable = "store_unavailable"
        /// An awaited effect did not happen before the deadline.
        case deadlineExceeded = "deadline_exceeded"
    }

    /// The stable code.
    public let code: Code
    /// What happened.
    public let message: String

    /// A test-kit error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

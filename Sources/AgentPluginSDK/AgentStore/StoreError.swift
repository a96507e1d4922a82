/// An error from ``DurableStore``.
///
/// `code` is stable and meant for programs (it crosses the C ABI as a string); `message` is for
/// people: it says what went wrong and how to fix it. `path` names the file or directory involved
/// when there is one, and `errno` carries the system error number for ``Code/io`` failures.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as it appears on the wire, e.g. `invalid_key`.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }

        /// The namespace name is empty, too long, starts with `.` or has a character outside `[A-Za-z0-9._-]`.
        public static let invalidNamespace = Code("invalid_namespace")
        /// The key is empty, longer than 1024 UTF-8 bytes or contains U+0000.
        public static let invalidKey = Code("invalid_key")
        /// The value cannot be stored faithfully (a non-finite number, or nested too deeply).
        public static let invalidValue = Code("invalid_value")
        /// A batch is not an array of well-formed `put`/`delete` operations.
        public static let invalidBatch = Code("invalid_batch")
        /// The namespace would exceed the maximum file size.
        public static let tooLarge = Code("too_large")
        /// A namespace file exists but is not a valid store file; it is left untouched.
        public static let corrupt = Code("corrupt")
        /// A system call failed; see ``StoreError/errno`` and ``StoreError/path``.
        public static let io = Code("io")
        /// Another process holds the store directory (exclusive mode).
        public static let locked = Code("locked")
        /// An `expect` operation of a batch did not hold: the key changed since it was read.
        public static let conflict = Code("conflict")

        public var description: String { rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and how to fix it.
    public let message: String
    /// The file or directory involved, if any.
    public let path: String?
    /// The system error number, for ``Code/io`` errors.
    public let errno: Int32?

    /// Creates an error.
    public init(code: Code, message: String, path: String? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let path { text += " [path: \(path)]" }
        if let errno { text += " [errno: \(errno)]" }
        return text
    }

    /// How a host reports the error to a plugin (the ABI status class).
    public enum Kind: Sendable {
        /// The caller's key, value, namespace or batch is unusable (`AGENT_E_INVALID_ARGUMENT`).
        case invalidInput
        /// An `expect` did not hold: read again and retry (`AGENT_E_BUSY`).
        case conflict
        /// The system failed (disk, lock, corrupt file: `AGENT_E_IO`).
        case system
    }

    /// The class of this error (see ``Kind``).
    public var kind: Kind {
        switch code {
        case .invalidKey, .invalidNamespace, .invalidBatch, .invalidValue, .tooLarge: return .invalidInput
        case .conflict: return .conflict
        default: return .system
        }
    }
}

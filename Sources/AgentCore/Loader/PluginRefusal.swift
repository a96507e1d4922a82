/// Why a plugin was not loaded. Stable `code`s (shown by `plugins list`, in logs and in the
/// heartbeat) with a message that says what to fix.
public struct PluginRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }

        public static let notAllowlisted = Code("not_allowlisted")
        public static let denied = Code("denied")
        public static let pathNotAbsolute = Code("path_not_absolute")
        public static let symlink = Code("symlink")
        public static let notRegularFile = Code("not_regular_file")
        public static let unreadable = Code("unreadable")
        public static let insecurePermissions = Code("insecure_permissions")
        public static let badOwner = Code("bad_owner")
        public static let hashMismatch = Code("hash_mismatch")
        public static let dlopenFailed = Code("dlopen_failed")
        public static let missingEntry = Code("missing_entry")
        public static let badDescriptor = Code("bad_descriptor")
        public static let badMagic = Code("bad_magic")
        public static let abiMajor = Code("abi_major_unsupported")
        public static let abiMinorNewer = Code("abi_minor_newer")
        public static let toolchainMismatch = Code("toolchain_mismatch")
        public static let idMismatch = Code("id_mismatch")
        public static let initFailed = Code("init_failed")
        public static let registrationFailed = Code("registration_failed")
        public static let duplicateRegistration = Code("duplicate_registration")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

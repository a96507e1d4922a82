/// The error type of the agent core: a stable `code`, a message that says what went wrong and
/// how to fix it, the offending `field` (config path or message field) when there is one, and
/// the underlying cause.
public struct AgentCoreError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code (extensible without breaking callers).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }

        /// The site config is missing, unreadable or invalid.
        public static let configInvalid = Code("config_invalid")
        /// The site config (or its folder) cannot be written (`site-config write`).
        public static let configWriteFailed = Code("config_write_failed")
        /// The durable store could not be opened.
        public static let storeUnavailable = Code("store_unavailable")
        /// A plugin file failed a pre-load check or the handshake (see `PluginRefusal`).
        public static let pluginRefused = Code("plugin_refused")
        /// A plugin loaded but its init or registration failed.
        public static let pluginFailed = Code("plugin_failed")
        /// The audit trail cannot be written or read.
        public static let auditUnavailable = Code("audit_unavailable")
        /// The local door's socket cannot be set up (path, permissions, another daemon).
        public static let doorUnavailable = Code("door_unavailable")
        /// A command-line or API argument is unusable.
        public static let invalidArgument = Code("invalid_argument")
        /// The service manager's notify socket cannot be used (systemd's `NOTIFY_SOCKET`).
        public static let notifyUnavailable = Code("notify_unavailable")
        /// /proc/self/smaps cannot be read, so code pages cannot be trimmed (``CodeTrim``).
        public static let trimUnavailable = Code("trim_unavailable")
    }

    public let code: Code
    public let message: String
    public let field: String?
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, field: String? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.cause = cause
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let field { s += " [field: \(field)]" }
        if let cause { s += " (cause: \(cause))" }
        return s
    }
}

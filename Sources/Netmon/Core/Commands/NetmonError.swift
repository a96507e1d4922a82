/// Why a netmon command failed: a stable machine-readable ``code``, a human ``message`` and,
/// for bad input, the ``field`` at fault. Rendered on the wire as
/// `{"success": false, "error": message, "code": code, "field"?: field}`.
public struct NetmonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable error code (the wire string never changes once released).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        private init(_ raw: String) { rawValue = raw }

        /// The line is not valid JSON.
        public static let invalidJSON = Code("invalid_json")
        /// The line exceeds the 1 MiB framing limit.
        public static let lineTooLong = Code("line_too_long")
        /// The JSON is not an object, or has no string `command`.
        public static let invalidCommand = Code("invalid_command")
        /// The `command` is not one this sidecar knows.
        public static let unknownCommand = Code("unknown_command")
        /// A field is missing or has the wrong type or shape (see `field`).
        public static let invalidField = Code("invalid_field")
        /// The container PID does not exist (any more).
        public static let noSuchProcess = Code("no_such_process")
        /// No link with that MAC / name in the namespace.
        public static let interfaceNotFound = Code("interface_not_found")
        /// The DHCP client could not be started.
        public static let spawnFailed = Code("spawn_failed")
        /// No DHCP client runs for that container/vNIC.
        public static let notRunning = Code("not_running")
        /// The kernel refused a netlink request (the message carries the errno text).
        public static let netlinkError = Code("netlink_error")
        /// The command exists upstream but is not implemented here (WiFi proxy-ARP).
        public static let notSupported = Code("not_supported")
        /// A sysctl under /proc/sys could not be written (proxy_arp, ip_forward).
        public static let sysctlFailed = Code("sysctl_failed")
        /// No proxy-ARP bridge is known for that container (and nothing was named to remove).
        public static let bridgeNotFound = Code("bridge_not_found")
        /// The connecting peer's uid may not use the socket.
        public static let peerRefused = Code("peer_refused")
        /// The host node of `bind_device_node` is missing or not a character device.
        public static let hostNodeInvalid = Code("host_node_invalid")
        /// A device node could not be made or removed in the container (the message names the step).
        public static let deviceNodeFailed = Code("device_node_failed")
        /// A test-only command on a sidecar started without its test flag (`--test-devices`).
        public static let notEnabled = Code("not_enabled")

        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String
    /// The offending field for ``Code/invalidField`` (and `mac_address` etc. where useful).
    public let field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        field.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)"
    }

    // MARK: common constructors

    static func missing(_ field: String) -> NetmonError {
        NetmonError(.invalidField, "Missing field: \(field)", field: field)
    }

    static func invalid(_ field: String, _ why: String) -> NetmonError {
        NetmonError(.invalidField, "Invalid \(field): \(why)", field: field)
    }
}

/// The sidecar's command line.
///
/// ```
/// autonomy-netmon [--socket PATH] [--state-dir DIR] [--agent-uid N] [--socket-group GID]
///                 [--debounce-ms N] [--resync-s N] [--busybox PATH] [--sysfs-root DIR] [--dev-root DIR]
///                 [--test-devices]
///                 [--log-level LEVEL]
/// ```
/// Flags take their value as the next argument or after `=`.
public struct NetmonOptions: Sendable, Equatable {
    /// Log verbosity, most verbose first.
    public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error

        public var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warning"
            case .error: return "error"
            }
        }

        public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
    }

    /// Default state dir (upstream's shared volume).
    public static let defaultStateDir = "/var/orchestrator"

    public var stateDir = NetmonOptions.defaultStateDir
    /// nil: `<stateDir>/netmon.sock`.
    public var socketPathOverride: String? = nil
    /// A uid besides 0 that may connect.
    public var agentUID: UInt32? = nil
    /// Group of the socket file (mode 0660).
    public var socketGroup: UInt32? = nil
    public var debounceMs: Int64 = 300
    public var resyncSeconds: Int64 = 30
    /// nil: `busybox` from PATH.
    public var busybox: String? = nil
    public var logLevel: LogLevel = .info
    /// Where sysfs is (`--sysfs-root`): serial devices' numbers and USB identity, the WiFi rule
    /// (`<root>/class/net/<if>/wireless`); tests give a prepared folder.
    public var sysfsRoot: String = "/sys"
    /// Where the device nodes are (`--dev-root`): serial nodes and `serial/by-id`.
    public var devRoot: String = "/dev"
    /// `--test-devices`: accept `test_add_device` / `test_remove_device` (tests only).
    public var testDevices = false
    /// `--help` was given.
    public var help = false

    public init() {}

    /// The socket path in effect.
    public var socketPath: String { socketPathOverride ?? stateDir + "/netmon.sock" }

    public static let usage = """
        usage: autonomy-netmon [--socket PATH] [--state-dir DIR] [--agent-uid N] [--socket-group GID]
                               [--debounce-ms N] [--resync-s N] [--busybox PATH]
                               [--sysfs-root DIR] [--dev-root DIR] [--test-devices]
                               [--log-level debug|info|warning|error]

          --socket PATH        unix socket to serve (default: <state-dir>/netmon.sock)
          --state-dir DIR      hook script, DHCP lease files (default: /var/orchestrator)
          --agent-uid N        uid allowed to connect besides root
          --socket-group GID   group owning the socket (mode 0660)
          --debounce-ms N      quiet time before an interface change is sent (default: 300)
          --resync-s N         full re-dump interval, sends only differences (default: 30; 0: off)
          --busybox PATH       busybox for udhcpc and the hook script (default: busybox in PATH)
          --sysfs-root DIR     where sysfs is mounted: serial devices, the WiFi rule
                               (DIR/class/net/IF/wireless) (default: /sys)
          --dev-root DIR       where the device nodes are (default: /dev)
          --test-devices       accept test_add_device / test_remove_device (tests only)
          --log-level LEVEL    debug, info, warning or error (default: info)

        """

    /// Why the command line was refused (the caller prints it with the usage and exits 2).
    public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    /// Parses the arguments after the program name.
    public static func parse(_ args: [String]) throws(UsageError) -> NetmonOptions {
        var o = NetmonOptions()
        var i = 0
        while i < args.count {
            var flag = args[i]
            var inline: String? = nil
            if flag.hasPrefix("--"), let eq = flag.firstIndex(of: "=") {
                inline = String(flag[flag.index(after: eq)...])
                flag = String(flag[..<eq])
            }
            i += 1
            if flag == "-h" || flag == "--help" {
                o.help = true
                continue
            }
            if flag == "--test-devices", inline == nil {
                o.testDevices = true
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard i < args.count else { throw UsageError("\(flag) needs a value") }
                value = args[i]
                i += 1
            }
            switch flag {
            case "--socket": o.socketPathOverride = try path(value, flag)
            case "--state-dir": o.stateDir = try path(value, flag)
            case "--agent-uid": o.agentUID = try uint32(value, flag)
            case "--socket-group": o.socketGroup = try uint32(value, flag)
            case "--debounce-ms": o.debounceMs = try int(value, flag, max: 60_000)
            case "--resync-s": o.resyncSeconds = try int(value, flag, max: 86_400)
            case "--busybox":
                let p = try path(value, flag)
                guard p.hasPrefix("/"), !p.contains("'") else { throw UsageError("--busybox needs an absolute path") }
                o.busybox = p
            case "--sysfs-root": o.sysfsRoot = try path(value, flag)
            case "--dev-root": o.devRoot = try path(value, flag)
            case "--log-level":
                guard let level = LogLevel.allCases.first(where: { $0.name == value }) else {
                    throw UsageError("--log-level must be debug, info, warning or error")
                }
                o.logLevel = level
            default: throw UsageError("unknown option \(flag)")
            }
        }
        guard o.socketPath.utf8.count < 108 else { throw UsageError("socket path longer than 107 bytes") }
        return o
    }

    private static func path(_ v: String, _ flag: String) throws(UsageError) -> String {
        guard !v.isEmpty, !v.contains("\n"), !v.contains("\0") else { throw UsageError("\(flag) needs a path") }
        return v
    }

    private static func uint32(_ v: String, _ flag: String) throws(UsageError) -> UInt32 {
        guard let n = UInt32(v) else { throw UsageError("\(flag) needs a non-negative integer") }
        return n
    }

    private static func int(_ v: String, _ flag: String, max: Int64) throws(UsageError) -> Int64 {
        guard let n = Int64(v), n >= 0, n <= max else { throw UsageError("\(flag) needs an integer 0...\(max)") }
        return n
    }
}

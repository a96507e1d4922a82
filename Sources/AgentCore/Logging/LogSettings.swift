import AgentJSON
import Logging

/// The `logging` section of the site config (see docs/logging-metrics.md).
///
/// ```json
/// "logging": { "level": "info", "format": "plain", "file": true,
///              "max_bytes": 10485760, "max_files": 5,
///              "plugins": { "io.autonomy.runtime": "debug" } }
/// ```
///
/// Every key is optional. The daemon (`orchestrator-agent run`) reads it once at start; the
/// one-shot commands log to standard error and only honour ``plugins``.
public struct LogSettings: Sendable, Equatable {
    /// The level of the agent's own logger (plugins inherit it unless ``plugins`` names them).
    public var level: Logger.Level = .info
    /// How each record is written.
    public var format: LogFormat = .plain
    /// Whether the daemon also writes `agent.log` (in ``directory``).
    public var file: Bool = true
    /// The folder of `agent.log` and its rotations (an absolute path); nil: `<state_dir>/logs`.
    /// The packaged unit points it at systemd's `LogsDirectory`, `/var/log/orchestrator-agent`.
    public var directory: String?
    /// Size at which `agent.log` is rotated (a record never splits across files).
    public var maxBytes: Int = LogSettings.defaultMaxBytes
    /// How many rotated files (`agent.log.1` … `agent.log.<max_files>`) are kept.
    public var maxFiles: Int = 5
    /// Per-plugin levels by plugin id; a plugin not listed logs at ``level``.
    public var plugins: [String: Logger.Level] = [:]

    /// 10 MiB.
    public static let defaultMaxBytes = 10 * 1024 * 1024
    /// The accepted range of `max_bytes` (4 KiB … 1 GiB).
    public static let maxBytesRange = 4096...(1 << 30)
    /// The accepted range of `max_files`.
    public static let maxFilesRange = 1...100

    /// The defaults (info, plain, file on, 10 MiB, 5 files).
    public init() {}

    /// Validates the `logging` section of a site config document (`SiteConfig.raw`). A missing
    /// section gives the defaults.
    /// - Throws: ``AgentCoreError`` `config_invalid` with the offending field (`logging.max_files`).
    public static func parse(_ raw: JSONObject) throws(AgentCoreError) -> LogSettings {
        var s = LogSettings()
        guard let value = raw["logging"] else { return s }
        guard let obj = value.objectValue else { throw invalid("logging", "must be an object") }
        for (key, v) in obj.entries {
            let field = "logging.\(key)"
            switch key {
            case "level": s.level = try level(v, field)
            case "format":
                guard let f = v.stringValue.flatMap(LogFormat.init(rawValue:)) else {
                    throw invalid(field, "must be \"plain\" or \"json\"")
                }
                s.format = f
            case "file":
                guard let b = v.boolValue else { throw invalid(field, "must be true or false") }
                s.file = b
            case "directory":
                guard let d = v.stringValue, d.hasPrefix("/"), !d.contains("\0") else {
                    throw invalid(field, "must be an absolute path")
                }
                s.directory = d
            case "max_bytes": s.maxBytes = try whole(v, field, in: maxBytesRange)
            case "max_files": s.maxFiles = try whole(v, field, in: maxFilesRange)
            case "plugins":
                guard let levels = v.objectValue else { throw invalid(field, "must be an object of plugin id → level") }
                for (id, l) in levels.entries { s.plugins[id] = try level(l, "\(field).\(id)") }
            default:
                throw invalid(field, "is not a logging setting (level, format, file, directory, max_bytes, max_files, plugins)")
            }
        }
        return s
    }

    /// The level configured for one plugin (`logging.plugins.<id>`), or nil when none is set or
    /// the value is not a level. Lenient on purpose: it is read while plugins load, where a bad
    /// value must not stop anything (``parse(_:)`` refuses it when the daemon starts).
    public static func pluginLevel(for pluginID: String, in raw: JSONObject) -> Logger.Level? {
        guard let name = raw["logging"]?.objectValue?["plugins"]?.objectValue?[pluginID]?.stringValue else { return nil }
        return Logger.Level(rawValue: name)
    }

    /// These settings with the command line's `--log-level` / `--log-format` applied (nil keeps
    /// the config's value).
    /// - Throws: ``AgentCoreError`` `invalid_argument` naming the flag.
    public func overriding(level: String?, format: String?) throws(AgentCoreError) -> LogSettings {
        var s = self
        if let level {
            guard let l = Logger.Level(rawValue: level) else {
                throw AgentCoreError(
                    .invalidArgument, "unknown log level '\(level)' (\(Self.levelNames))", field: "--log-level")
            }
            s.level = l
        }
        if let format {
            guard let f = LogFormat(rawValue: format) else {
                throw AgentCoreError(.invalidArgument, "unknown log format '\(format)' (plain or json)", field: "--log-format")
            }
            s.format = f
        }
        return s
    }

    static let levelNames = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    private static func level(_ v: JSONValue, _ field: String) throws(AgentCoreError) -> Logger.Level {
        guard let l = v.stringValue.flatMap(Logger.Level.init(rawValue:)) else {
            throw invalid(field, "must be one of \(levelNames)")
        }
        return l
    }

    private static func whole(_ v: JSONValue, _ field: String, in range: ClosedRange<Int>) throws(AgentCoreError) -> Int {
        guard let n = v.numberValue, n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw invalid(field, "must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(n)
    }

    private static func invalid(_ field: String, _ message: String) -> AgentCoreError {
        AgentCoreError(.configInvalid, "'\(field)' \(message)", field: field)
    }
}

import AgentJSON

/// What `<state_dir>/health.json` says about the running daemon (docs/upgrade.md, "Health file").
///
/// ```json
/// {"pid": 1, "version": "2.0.0", "started_at": "2026-11-26T03:24:21.778562+00:00",
///  "connected": true, "connected_at": "2026-11-26T03:24:22.101233+00:00",
///  "self_check": "ok", "failures": [], "updated_at": "2026-11-26T03:24:32.102871+00:00"}
/// ```
///
/// Written by the daemon (``HealthReporter``), read by the upgrade helper's health gate and by
/// `orchestrator-agent check`.
public struct HealthReport: Sendable, Equatable {
    /// The outcome of the self-check.
    public enum SelfCheck: String, Sendable {
        /// Every configured plugin loaded and the durable store is open.
        case ok
        /// Something in ``HealthReport/failures``.
        case failed
    }

    /// The daemon's process id (1 inside a container).
    public var pid: Int32
    /// The agent's version (`agent.version`: env `AGENT_VERSION` or the built-in one).
    public var version: String
    /// When this daemon process started; tells one process from the next (the pid may repeat).
    public var startedAt: String
    /// Whether the cloud link is up now.
    public var connected: Bool
    /// When the link last came up; nil if it never did.
    public var connectedAt: String?
    public var selfCheck: SelfCheck
    /// One line per failed check (`plugin io.autonomy.docker: refused(sha256_mismatch: …)`).
    public var failures: [String]
    /// When the file was last written (refreshed periodically while the daemon runs).
    public var updatedAt: String

    public init(
        pid: Int32, version: String, startedAt: String, connected: Bool, connectedAt: String?, selfCheck: SelfCheck,
        failures: [String], updatedAt: String
    ) {
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.connected = connected
        self.connectedAt = connectedAt
        self.selfCheck = selfCheck
        self.failures = failures
        self.updatedAt = updatedAt
    }

    /// Whether this report says "up and well": connected and the self-check passed.
    public var isHealthy: Bool { connected && selfCheck == .ok }

    /// The file's JSON.
    public var json: JSONValue {
        [
            "pid": .number(Double(pid)), "version": .string(version), "started_at": .string(startedAt),
            "connected": .bool(connected), "connected_at": connectedAt.map { .string($0) } ?? .null,
            "self_check": .string(selfCheck.rawValue), "failures": .array(failures.map { .string($0) }),
            "updated_at": .string(updatedAt),
        ]
    }

    /// Reads a report; nil when the JSON does not have the shape above.
    public init?(json: JSONValue) {
        guard let o = json.objectValue, let pid = o["pid"]?.numberValue, pid >= 0, pid <= Double(Int32.max), let version = o["version"]?.stringValue,
            let started = o["started_at"]?.stringValue, let connected = o["connected"]?.boolValue,
            let check = o["self_check"]?.stringValue.flatMap(SelfCheck.init(rawValue:)),
            let updated = o["updated_at"]?.stringValue
        else { return nil }
        self.init(
            pid: Int32(pid), version: version, startedAt: started, connected: connected,
            connectedAt: o["connected_at"]?.stringValue, selfCheck: check,
            failures: (o["failures"]?.arrayValue ?? []).compactMap(\.stringValue), updatedAt: updated)
    }

    /// The file's path in a state folder.
    public static func path(stateDirectory: String) -> String { stateDirectory + "/health.json" }

    /// Reads `<state_dir>/health.json`; nil when absent or unreadable.
    public static func read(stateDirectory: String) -> HealthReport? {
        guard let bytes = AtomicFile.contents(of: path(stateDirectory: stateDirectory)),
            let value = try? JSONParser.parse(bytes)  // handled: unreadable is nil, as documented; callers report it
        else { return nil }
        return HealthReport(json: value)
    }
}

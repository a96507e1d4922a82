import AgentJSON

/// The site config's `local_door` and `audit` sections:
///
/// ```json
/// "local_door": { "enabled": true, "socket": "/var/lib/orchestrator-agent/agent.sock", "allowed_uids": [0] },
/// "audit": { "max_bytes": 16777216, "max_files": 8, "sync_window_ms": 0 }
/// ```
///
/// Defaults: the door is on, at `<state_dir>/agent.sock`, root only; the audit trail rotates at
/// 16 MiB and keeps 8 earlier files; each line is synced to disk before its answer leaves
/// (`sync_window_ms` > 0 syncs in groups within that window instead, for slow disks).
public struct OperatorSettings: Sendable, Equatable {
    public var doorEnabled = true
    public var doorSocket: String
    public var allowedUIDs: Set<UInt32> = [0]
    public var auditMaxBytes = 16 << 20
    public var auditMaxFiles = 8
    public var auditSyncWindowMs = 0

    /// Reads both sections of `config`.
    /// - Throws: ``AgentCoreError`` `config_invalid` naming the field.
    public static func parse(_ config: SiteConfig) throws(AgentCoreError) -> OperatorSettings {
        var s = OperatorSettings(doorSocket: config.stateDirectory + "/agent.sock")
        if let door = config.raw["local_door"] {
            guard let o = door.objectValue else { throw invalid("local_door", "must be an object") }
            if let e = o["enabled"] {
                guard let b = e.boolValue else { throw invalid("local_door.enabled", "must be true or false") }
                s.doorEnabled = b
            }
            if let p = o["socket"] {
                guard let path = p.stringValue, path.hasPrefix("/"), path.utf8.count < 108 else {
                    throw invalid("local_door.socket", "must be an absolute path shorter than 108 bytes")
                }
                s.doorSocket = path
            }
            if let u = o["allowed_uids"] {
                guard let list = u.arrayValue, !list.isEmpty else { throw invalid("local_door.allowed_uids", "must be a non-empty list of uids") }
                var uids: Set<UInt32> = []
                for (i, v) in list.enumerated() {
                    guard let n = v.numberValue, n >= 0, n < 4_294_967_295, n == n.rounded() else {
                        throw invalid("local_door.allowed_uids[\(i)]", "must be a uid (whole number)")
                    }
                    uids.insert(UInt32(n))
                }
                s.allowedUIDs = uids
            }
        }
        if let audit = config.raw["audit"] {
            guard let o = audit.objectValue else { throw invalid("audit", "must be an object") }
            s.auditMaxBytes = try int(o["max_bytes"], "audit.max_bytes", 65536...(1 << 34)) ?? s.auditMaxBytes
            s.auditMaxFiles = try int(o["max_files"], "audit.max_files", 1...1000) ?? s.auditMaxFiles
            s.auditSyncWindowMs = try int(o["sync_window_ms"], "audit.sync_window_ms", 0...1000) ?? s.auditSyncWindowMs
        }
        return s
    }

    /// The audit folder of `config`.
    public static func auditDirectory(_ config: SiteConfig) -> String { config.stateDirectory + "/audit" }

    private static func int(_ v: JSONValue?, _ field: String, _ range: ClosedRange<Int>) throws(AgentCoreError) -> Int? {
        guard let v else { return nil }
        guard let n = v.numberValue, n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw invalid(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(n)
    }

    private static func invalid(_ field: String, _ message: String) -> AgentCoreError {
        AgentCoreError(.configInvalid, "'\(field)' \(message)", field: field)
    }
}

import AgentJSON

/// Reading the audit trail for people (`orchestrator-agent audit show`).
public enum AuditTrail {
    /// The last `count` entries of the current file (fewer when it has fewer), oldest first.
    /// Lines that do not parse are skipped here; `audit verify` reports them.
    public static func tail(directory: String, count: Int) -> [JSONObject] {
        guard let bytes = readBytes(directory + "/audit.log") else { return [] }
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        return lines.suffix(max(0, count)).compactMap { line in
            if case .success(let e) = AuditEntry.parse(line: line) { return e.entry }
            return nil
        }
    }
}

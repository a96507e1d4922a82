import AgentJSON

/// The upgrade helper's final word, `<state_dir>/upgrade/last.json`, as the agent that starts
/// next reads it (docs/upgrade.md):
///
/// ```json
/// {"schema": 1, "result": "rolled_back", "operation_id": "1795663461778-3",
///  "from": "orchestrator-agent:lab-v2", "to": "orchestrator-agent:lab-bad", "seconds": 21.4,
///  "code": "health_deadline", "reason": "the new agent was not connected and healthy within 20 s",
///  "started_at": "…", "finished_at": "…"}
/// ```
public struct UpgradeOutcome: Sendable, Equatable {
    /// `succeeded` (the new agent passed the health gate), `rolled_back` (the previous agent
    /// runs again), `failed` (the helper could not even put the previous one back).
    public var state: OperationRecord.State
    public var operationID: String?
    public var from: String
    public var to: String
    public var seconds: Double
    /// The failure, for `rolled_back` and `failed`.
    public var error: RuntimeError?
    public var startedAt: String
    public var finishedAt: String

    /// Reads the file's JSON; nil when it is not a last.json of schema 1.
    public init?(json: JSONValue) {
        guard let o = json.objectValue, o["schema"]?.numberValue == 1, let result = o["result"]?.stringValue,
            let state = OperationRecord.State(rawValue: result), [.succeeded, .rolledBack, .failed].contains(state)
        else { return nil }
        self.state = state
        operationID = o["operation_id"]?.stringValue
        from = o["from"]?.stringValue ?? ""
        to = o["to"]?.stringValue ?? ""
        seconds = o["seconds"]?.numberValue ?? 0
        startedAt = o["started_at"]?.stringValue ?? ""
        finishedAt = o["finished_at"]?.stringValue ?? ""
        if state != .succeeded {
            error = RuntimeError(o["code"]?.stringValue ?? "upgrade_failed", o["reason"]?.stringValue ?? "")
        }
    }

    /// The journal entry that reports it (kind `upgrade` on `__orchestrator__`); its id is the
    /// upgrade's own when the helper carried it, so the cloud sees one operation end twice:
    /// `succeeded` from the old agent at `upgrader_spawned`, then the helper's result.
    public func record(newID: String) -> OperationRecord {
        var op = OperationRecord(
            id: operationID ?? newID, deviceID: Naming.orchestratorID, kind: .upgrade, correlationID: .null,
            now: startedAt.isEmpty ? finishedAt : startedAt)
        op.state = state
        op.step = state == .succeeded ? "health_check_passed" : state == .rolledBack ? "rolled_back" : "rollback_failed"
        op.error = error
        op.updatedAt = finishedAt
        return op
    }

    /// The `operation_update` payload: the record's, plus `from`, `to`, `seconds`.
    public func updateEvent(newID: String) -> JSONObject {
        var e = record(newID: newID).updateEvent
        e["from"] = .string(from)
        e["to"] = .string(to)
        e["seconds"] = .number(seconds)
        e["final"] = true
        return e
    }
}

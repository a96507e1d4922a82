import AgentJSON

/// The upgrade helper's verdict, written to `<state_dir>/upgrade/last.json` before it exits
/// (docs/upgrade.md). The agent that starts next reports it once to the cloud and renames it
/// `last.reported.json`.
public struct UpgradeResult: Sendable, Equatable {
    /// What happened.
    public enum Outcome: String, Sendable {
        /// The new agent passed the health gate; the previous container is gone.
        case succeeded
        /// The new agent failed the gate; it was removed and the previous one runs again.
        case rolledBack = "rolled_back"
        /// Nothing was changed (the target could not be read), or the previous agent could not
        /// be put back (`code: rollback_failed`): look at the host.
        case failed
    }

    public var outcome: Outcome
    /// The journal id of the upgrade in the old agent.
    public var operationID: String?
    /// The image the agent ran, and the one it was asked to run.
    public var from: String
    public var to: String
    /// From the helper's start to its verdict.
    public var seconds: Double
    /// Stable failure code (`health_deadline`, `self_check_failed`, `new_agent_exited`,
    /// `create_failed`, `start_failed`, `stop_failed`, `target_not_found`, `previous_exists`,
    /// `rollback_failed`, …) and what happened, for everything but `succeeded`.
    public var code: String?
    public var reason: String?
    public var startedAt: String
    public var finishedAt: String
    /// The netmon sidecar's own swap, when one was asked: `succeeded`, `rolled_back: …`,
    /// `skipped: …`.
    public var netmon: String?

    public init(
        outcome: Outcome, operationID: String?, from: String, to: String, seconds: Double, code: String? = nil,
        reason: String? = nil, startedAt: String, finishedAt: String, netmon: String? = nil
    ) {
        self.outcome = outcome
        self.operationID = operationID
        self.from = from
        self.to = to
        self.seconds = seconds
        self.code = code
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.netmon = netmon
    }

    /// The file's JSON (`schema: 1`).
    public var json: JSONValue {
        var o: JSONObject = [
            "schema": 1, "result": .string(outcome.rawValue), "from": .string(from), "to": .string(to),
            "seconds": .number((seconds * 1000).rounded() / 1000), "started_at": .string(startedAt),
            "finished_at": .string(finishedAt),
        ]
        if let operationID { o["operation_id"] = .string(operationID) }
        if let code { o["code"] = .string(code) }
        if let reason { o["reason"] = .string(reason) }
        if let netmon { o["netmon"] = .string(netmon) }
        return .object(o)
    }

    /// `<state_dir>/upgrade/last.json`.
    public static func path(stateDirectory: String) -> String { stateDirectory + "/upgrade/last.json" }

    /// Writes the file atomically (mode 0640).
    public func write(stateDirectory: String) throws(AtomicFile.Failure) {
        try AtomicFile.replace(Self.path(stateDirectory: stateDirectory), with: JSONWriter.bytes(json))
    }
}

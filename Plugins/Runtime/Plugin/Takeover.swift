import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Taking over a Python-agent site (docs/installation.md, "Moving from the Python agent"):
/// plans from its state folder and the engine's inspects (``TakeoverPlan``, nothing changed),
/// and applies a plan as one atomic store batch — the adopted records with the `legacy/imported`
/// mark. Owns no state besides that store key.
struct Takeover: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let settings: RuntimeSettings

    /// The store key that records a finished takeover (its plan, the folder, when).
    static let takeoverKey = "legacy/imported"

    /// Plans the takeover of the Python agent's site from `folder` (nothing is changed): what
    /// `adopt --dry-run` shows and what ``takeOverLegacySite(again:)`` applies.
    /// - Throws: the engine's or the store's error.
    func plan(folder: String) async throws(RuntimeError) -> TakeoverPlan {
        let legacy = LegacyState(
            read: { LegacyFiles.read(folder, $0) }, leaseFiles: LegacyFiles.names(folder, LegacyState.leaseFolder))
        var containers: [String: JSONObject] = [:]
        for name in legacy.devices.keys.sorted() where Naming.isValidDeviceID(name) {
            if let inspect = try await engine.inspect(name) { containers[name] = inspect }
        }
        let known = Set(try store.records().map(\.deviceID))
        return TakeoverPlan(
            legacy: legacy, containers: containers, known: known,
            imageRepositories: Array(Set([settings.imageRepository, RuntimeSettings.upstreamImageRepository])).sorted(),
            importedAt: WallClock.iso(WallClock.now()))
    }

    /// Runs once at start (before the lifecycle manager): when the site's folder holds the Python
    /// agent's state and the store has no finished takeover, the vPLCs it names are adopted as
    /// they run — their records and the takeover mark written in one atomic batch, so a kill in
    /// the middle leaves nothing half done and the next start plans the same again.
    /// - Parameter again: run even when a takeover ran before (`run_takeover`, after an operator
    ///   fixed what a finding named): vPLCs already adopted are skipped as `already_known`.
    /// - Returns: the plan applied, nil when there was nothing to do.
    /// - Throws: the engine's or the store's error (nothing was written).
    @discardableResult
    func takeOverLegacySite(again: Bool = false) async throws(RuntimeError) -> TakeoverPlan? {
        guard let folder = settings.legacyStateDir, LegacyFiles.holdsPythonAgentState(folder) else { return nil }
        if !again, try store.wrap({ () throws(PluginError) in try host.storeGet(Self.takeoverKey) }) != nil { return nil }
        let plan = try await self.plan(folder: folder)
        var mark = plan.json
        mark["folder"] = .string(folder)
        mark["at"] = .string(WallClock.iso(WallClock.now()))
        var batch = plan.adoptions.map { PluginHost.StoreMutation.put("device/" + $0.record.deviceID, $0.record.json) }
        batch.append(.put(Self.takeoverKey, .object(mark)))
        try store.wrap { () throws(PluginError) in try host.storeApply(batch) }
        for a in plan.adoptions {
            host.log(.notice, "took over a vPLC from the Python agent, as it runs", metadata: ["device": a.spec.deviceID])
        }
        for f in plan.findings {
            host.log(
                f.blocksAdoption ? .warning : .notice, "takeover finding",
                metadata: ["code": f.code.rawValue, "device": f.device ?? "-", "message": f.message])
        }
        host.log(
            .notice, "took over the Python agent's site",
            metadata: ["folder": folder, "adopted": String(plan.adoptions.count), "findings": String(plan.findings.count)])
        return plan
    }

    /// `run_takeover`: runs the takeover now, also when it ran before; answers what it did.
    /// - Throws: ``RuntimeError`` `takeover_unavailable` when the site has no Python-agent folder.
    func runNow() async throws(RuntimeError) -> JSONObject {
        guard let folder = settings.legacyStateDir, LegacyFiles.holdsPythonAgentState(folder) else {
            throw RuntimeError("takeover_unavailable", "no Python-agent state (legacy_state_dir: clients.json or runtime_vnics.json) on this site")
        }
        // Two at once plan the same and write the same records in one batch each: idempotent.
        let plan = try await takeOverLegacySite(again: true)
        var answer: JSONObject = ["status": "ok", "folder": .string(folder)]
        if let plan { for (k, v) in plan.json.entries { answer[k] = v } }
        return answer
    }

    /// `get_takeover_plan` (`orchestrator-agent invoke get_takeover_plan`): the folder, whether
    /// the takeover ran (and what it did), and what it would do now — nothing is changed.
    /// - Throws: the engine's or the store's error.
    func status() async throws(RuntimeError) -> JSONObject {
        guard let folder = settings.legacyStateDir else {
            return ["status": "ok", "folder": .null, "enabled": false]
        }
        let done = try store.wrap { () throws(PluginError) in try host.storeGet(Self.takeoverKey) }
        var answer: JSONObject = [
            "status": "ok", "folder": .string(folder), "enabled": true,
            "python_agent_state": .bool(LegacyFiles.holdsPythonAgentState(folder)),
            "done": .bool(done != nil), "imported": done ?? .null,
        ]
        if LegacyFiles.holdsPythonAgentState(folder) { answer["plan"] = .object(try await plan(folder: folder).json) }
        return answer
    }
}

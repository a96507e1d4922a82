import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The old agent's part of `upgrade_orchestrator` (spec §2.11, made safe; docs/upgrade.md):
/// validates and journals the request, then finds the agent's own container, makes sure the new
/// image is there and starts the upgrader from it. No step touches a vPLC. Owns no state.
struct UpgradeLauncher: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let settings: RuntimeSettings
    let ownContainer: OwnContainer
    /// Reports the helper's verdict; started again here when the helper gives up early.
    let reporter: UpgradeReporter
    let tasks: BackgroundTasks

    /// `upgrade_orchestrator`: validates, refuses while another agent-wide operation or an
    /// upgrader runs, journals through `runner` and acks at once.
    /// - Throws: the request's error (`invalid_…`), `engine_unsupported` (the engine's driver
    ///   offers no `agent.upgrader`: nothing is journaled or started), `operation_in_progress`,
    ///   the engine's or the store's error.
    func accept(_ message: JSONObject, runner: OperationRunner) async throws(RuntimeError) -> JSONObject {
        let request = try UpgradeRequest(
            message: message, siteImage: settings.agentImage, siteNetmonImage: settings.netmonImage,
            siteDeadline: settings.upgradeDeadlineSeconds)
        try await engine.capabilities().require(.upgrader)
        if await journal.isActive(Naming.orchestratorID) {
            throw RuntimeError("operation_in_progress", "Upgrade or other operation already in progress")
        }
        if let upgrader = try await engine.inspect(Naming.upgraderContainer),
            upgrader["state"]?.objectValue?["running"]?.boolValue == true
        {
            throw RuntimeError("operation_in_progress", "Upgrade already in progress (\(Naming.upgraderContainer) is running)")
        }
        var stored: JSONObject = ["deadline_s": .number(Double(request.deadlineSeconds))]
        if let image = request.image { stored["image"] = .string(image) }
        if let netmon = request.netmonImage { stored["netmon_image"] = .string(netmon) }
        let ack = try await runner.submit(
            topic: "upgrade_orchestrator", kind: .upgrade, device: Naming.orchestratorID, message: message, request: stored
        ) { _ in
            [
                "status": "accepted",
                "message": "Upgrade initiated. Poll get_device_status with device_id='__orchestrator__' for progress.",
                "poll_device_id": .string(Naming.orchestratorID),
            ]
        }
        return try await runner.finishIfOneShot(ack, device: Naming.orchestratorID)
    }

    /// The old agent's part: find its own container, make sure the new image is there, start the
    /// upgrader from it. The operation then ends `succeeded` at `upgrader_spawned`; the helper's
    /// verdict comes from the next agent to start (``UpgradeReporter``). No step touches a vPLC.
    /// - Throws: `not_in_container`, `no_state_dir`, `image_unavailable`, `operation_in_progress`,
    ///   the engine's or the store's error.
    func perform(_ op: inout OperationRecord) async throws(RuntimeError) {
        try await journal.step(&op, "starting")
        let request = op.request ?? [:]
        guard let me = try await ownContainer.inspect() else {
            throw RuntimeError(
                "not_in_container",
                "the agent does not run in a container of this engine (looked for its id in /proc/self/mountinfo and for '\(settings.agentContainer)')"
            )
        }
        let name = me["name"]?.stringValue ?? settings.agentContainer
        guard let id = me["id"]?.stringValue, let image = request["image"]?.stringValue ?? me["image"]?.stringValue,
            !image.isEmpty
        else { throw RuntimeError("not_in_container", "the agent's container has no id or image") }
        guard let stateDir = host.config("agent.state_dir")?.stringValue else {
            throw RuntimeError("no_state_dir", "the host did not tell the state folder")
        }

        try await journal.step(&op, "pulling_images")
        try await ensureImage(image, field: "image")
        let netmonImage = request["netmon_image"]?.stringValue
        if let netmonImage { try await ensureImage(netmonImage, field: "netmon_image") }

        try await journal.step(&op, "spawning_upgrader")
        if let leftover = try await engine.inspect(Naming.upgraderContainer) {
            if leftover["state"]?.objectValue?["running"]?.boolValue == true {
                throw RuntimeError("operation_in_progress", "\(Naming.upgraderContainer) is already running")
            }
            _ = try await engine.call("container.remove", ["id": .string(Naming.upgraderContainer), "force": true])
        }
        let configPath = host.config("agent.config_path")?.stringValue
        var plan = UpgraderPlan(
            agentID: id, agentName: name,
            groupAdd: (me["host_config"]?.objectValue?["group_add"]?.arrayValue ?? []).compactMap(\.stringValue),
            image: image, deadlineSeconds: Int(request["deadline_s"]?.numberValue ?? Double(settings.upgradeDeadlineSeconds)),
            stateDirectory: stateDir, configPath: configPath, operationID: op.id,
            netmonImage: netmonImage, netmonContainer: netmonImage == nil ? nil : Naming.netmonContainer)
        if let configPath, configPath.hasPrefix("/") {
            plan.siteConfigSource = UpgraderPlan.siteConfigSource(configPath: configPath, mounts: me["mounts"]?.arrayValue ?? [])
        }
        let created = try await engine.object("container.create", plan.createParams)
        op.createdContainer = created["id"]?.stringValue ?? Naming.upgraderContainer
        try store.put(op)
        _ = try await engine.call("container.start", ["id": .string(Naming.upgraderContainer)])
        host.log(.notice, "upgrader started", metadata: ["image": image, "target": name])
        try await journal.step(&op, "upgrader_spawned")
        // If the helper gives up before stopping this agent, this agent reports its verdict.
        if !host.isOneShot { reporter.start(in: tasks) }
    }

    /// Pulls `ref`; when the pull fails (no registry reachable, as in the lab) a local copy is
    /// used.
    /// - Throws: `image_unavailable` naming `field` when there is neither.
    func ensureImage(_ ref: String, field: String) async throws(RuntimeError) {
        do {
            _ = try await engine.call("image.pull", ["ref": .string(ref)])
        } catch {
            do {
                _ = try await engine.call("image.inspect", ["ref": .string(ref)])
                host.log(.notice, "pull failed; using the local image", metadata: ["image": ref, "error": error.message])
            } catch {
                throw RuntimeError("image_unavailable", "\(ref) could not be pulled and is not present locally: \(error.message)", field: field)
            }
        }
    }
}

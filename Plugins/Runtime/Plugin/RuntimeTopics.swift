import AgentContracts
import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The vPLC topics: handlers that validate what the contract cannot, then hand the work to
/// the service's collaborators. Mutating topics ack at once with the operation id; in a one-shot
/// process (`orchestrator-agent invoke`) they wait for the end and add it as `result`.
extension VPLCService {
    var topics: [Topic] {
        [
            Topic("create_new_runtime", contract: RuntimeContracts.create, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.create(r.message) }
            },
            Topic("delete_device", contract: RuntimeContracts.device, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.delete(r.message) }
            },
            power("start_device", .start), power("stop_device", .stop), power("restart_device", .restart),
            Topic("get_device_status", contract: RuntimeContracts.device.readingOnly(), addDefaults: true) { [view] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await view.status(r.message["device_id"]?.stringValue ?? "") }
            },
            Topic("list_devices", contract: RuntimeContracts.message.readingOnly(), addDefaults: true) { [view] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await view.list() }
            },
            Topic("run_command", contract: RuntimeContracts.runCommand, addDefaults: true) { [view] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await view.runCommand(r.message) }
            },
            Topic("get_consumption_device", contract: RuntimeContracts.consumption.readingOnly()) { [view] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await view.consumption(r.message) }
            },
            Topic("delete_orchestrator", contract: RuntimeContracts.message) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.selfDestruct(r.message) }
            },
            Topic("get_orchestrator_version", contract: RuntimeContracts.message.readingOnly(), addDefaults: true) { [view] _ in
                await view.version()
            },
            Topic("upgrade_orchestrator", contract: RuntimeContracts.upgrade) { [upgrade, runner] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await upgrade.accept(r.message, runner: runner) }
            },
            Topic("get_takeover_plan", contract: RuntimeContracts.message.readingOnly(), addDefaults: true) { [takeover] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await takeover.status() }
            },
            Topic("run_takeover", contract: RuntimeContracts.message, addDefaults: true) { [takeover] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await takeover.runNow() }
            },
        ]
    }

    private func power(_ topic: String, _ kind: OperationRecord.Kind) -> Topic {
        Topic(topic, contract: RuntimeContracts.device, addDefaults: true) { [self] r throws(PluginError) in
            try await mapped { () throws(RuntimeError) in
                let device = r.message["device_id"]?.stringValue ?? ""
                // A device whose create is still queued or running counts: the command queues behind it.
                let known = try store.record(device) != nil
                let pending = await journal.isActive(device)
                guard known || pending else {
                    throw RuntimeError("device_not_found", "Device \(device) not found", field: "device_id")
                }
                return try await runner.finishIfOneShot(
                    runner.submit(topic: topic, kind: kind, device: device, message: r.message) { op in
                        [
                            "status": .string(op.activeStatus), "device_id": .string(device),
                            "message": .string("Container \(op.kind.rawValue) requested for \(device)"),
                        ]
                    }, device: device)
            }
        }
    }

    /// `create_new_runtime`: validates the request and its networks (fail fast, before the
    /// ack), then submits the create.
    func create(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        let spec = try DeviceSpec(message: message)
        try await CreateChecks(store: store, netmon: create.netmon, create: create).check(spec)  // fail fast: networks, NIC claims
        let ack = try await runner.submit(
            topic: "create_new_runtime", kind: .create, device: spec.deviceID, message: message, request: spec.json
        ) { _ in
            var a: JSONObject = [
                "status": "creating", "container_id": .string(spec.deviceID),
                "message": .string("Container creation started for \(spec.deviceID)"),
            ]
            if !spec.serialConfigs.isEmpty { a["serial_configs_count"] = .number(Double(spec.serialConfigs.count)) }
            return a
        }
        return try await runner.finishIfOneShot(ack, device: spec.deviceID)
    }

    /// `delete_device`: submits the delete (an unknown device is deleted successfully).
    func delete(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        let device = message["device_id"]?.stringValue ?? ""
        let ack = try await runner.submit(topic: "delete_device", kind: .delete, device: device, message: message) { _ in
            [
                "status": "deleting", "device_id": .string(device),
                "message": .string("Container deletion started for \(device)"),
            ]
        }
        return try await runner.finishIfOneShot(ack, device: device)
    }

    /// `delete_orchestrator`: refused while another agent-wide operation runs, else submitted.
    func selfDestruct(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        if await journal.isActive(Naming.orchestratorID) {
            throw RuntimeError("operation_in_progress", "Self-destruct operation already in progress")
        }
        let ack = try await runner.submit(
            topic: "delete_orchestrator", kind: .selfDestruct, device: Naming.orchestratorID, message: message
        ) { _ in
            [
                "status": "accepted",
                "message": "Self-destruct initiated. Poll get_device_status with device_id='__orchestrator__' for progress.",
                "poll_device_id": .string(Naming.orchestratorID),
            ]
        }
        return try await runner.finishIfOneShot(ack, device: Naming.orchestratorID)
    }
}

/// Runs a model call and maps its ``RuntimeError`` onto the SDK's ``PluginError``.
func mapped(_ body: () async throws(RuntimeError) -> JSONObject) async throws(PluginError) -> JSONObject {
    do { return try await body() } catch {
        throw PluginError(code: error.code, message: error.message, field: error.field)
    }
}

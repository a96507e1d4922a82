import AgentJSON
import AgentPluginKit
import RuntimeModel

/// The vPLC topics: handlers that validate what the contract cannot, then hand the work to
/// ``VPLCService``. Mutating topics ack at once with the operation id; in a one-shot process
/// (`orchestrator-agent invoke`) they wait for the end and add it as `result`.
extension VPLCService {
    var oneShot: Bool { host.config("agent.mode")?.stringValue != "daemon" }

    var topics: [Topic] {
        [
            Topic("create_new_runtime", contract: RuntimeContracts.create, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.create(r.message) }
            },
            Topic("delete_device", contract: RuntimeContracts.device, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.delete(r.message) }
            },
            power("start_device", .start), power("stop_device", .stop), power("restart_device", .restart),
            Topic("get_device_status", contract: RuntimeContracts.device, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.status(r.message["device_id"]?.stringValue ?? "") }
            },
            Topic("list_devices", contract: RuntimeContracts.message, addDefaults: true) { [self] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.list() }
            },
            Topic("run_command", contract: RuntimeContracts.runCommand, addDefaults: true) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.runCommand(r.message) }
            },
            Topic("get_consumption_device", contract: RuntimeContracts.consumption) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.consumption(r.message) }
            },
            Topic("delete_orchestrator", contract: RuntimeContracts.message) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.selfDestruct(r.message) }
            },
            Topic("get_orchestrator_version", contract: RuntimeContracts.message, addDefaults: true) { [self] _ in
                await self.version()
            },
            Topic("upgrade_orchestrator", contract: RuntimeContracts.upgrade) { [self] r throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.upgrade(r.message) }
            },
            Topic("get_takeover_plan", contract: RuntimeContracts.message, addDefaults: true) { [self] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.takeoverStatus() }
            },
            Topic("run_takeover", contract: RuntimeContracts.message, addDefaults: true) { [self] _ throws(PluginError) in
                try await mapped { () throws(RuntimeError) in try await self.runTakeover() }
            },
        ]
    }

    private func power(_ topic: String, _ kind: OperationRecord.Kind) -> Topic {
        Topic(topic, contract: RuntimeContracts.device, addDefaults: true) { [self] r throws(PluginError) in
            try await mapped { () throws(RuntimeError) in
                let device = r.message["device_id"]?.stringValue ?? ""
                // A device whose create is still queued or running counts: the command queues behind it.
                let known = try store.record(device) != nil
                let pending = await live.isActive(device)
                guard known || pending else {
                    throw RuntimeError("device_not_found", "Device \(device) not found", field: "device_id")
                }
                return try await finishIfOneShot(
                    submit(topic: topic, kind: kind, device: device, message: r.message) { op in
                        [
                            "status": .string(op.activeStatus), "device_id": .string(device),
                            "message": .string("Container \(op.kind.rawValue) requested for \(device)"),
                        ]
                    }, device: device)
            }
        }
    }

    func create(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        let spec = try DeviceSpec(message: message)
        let lans = await knownLANs(spec)
        _ = try ContainerPlan(spec: spec, settings: settings.planSettings, lanOf: { lans[$0] })  // fail fast on bad networks
        let ack = try await submit(
            topic: "create_new_runtime", kind: .create, device: spec.deviceID, message: message, request: spec.json
        ) { _ in
            var a: JSONObject = [
                "status": "creating", "container_id": .string(spec.deviceID),
                "message": .string("Container creation started for \(spec.deviceID)"),
            ]
            if !spec.serialConfigs.isEmpty { a["serial_configs_count"] = .number(Double(spec.serialConfigs.count)) }
            return a
        }
        return try await finishIfOneShot(ack, device: spec.deviceID)
    }

    func delete(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        let device = message["device_id"]?.stringValue ?? ""
        let ack = try await submit(topic: "delete_device", kind: .delete, device: device, message: message) { _ in
            [
                "status": "deleting", "device_id": .string(device),
                "message": .string("Container deletion started for \(device)"),
            ]
        }
        return try await finishIfOneShot(ack, device: device)
    }

    func selfDestruct(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        if await live.isActive(Naming.orchestratorID) {
            throw RuntimeError("operation_in_progress", "Self-destruct operation already in progress")
        }
        let ack = try await submit(
            topic: "delete_orchestrator", kind: .selfDestruct, device: Naming.orchestratorID, message: message
        ) { _ in
            [
                "status": "accepted",
                "message": "Self-destruct initiated. Poll get_device_status with device_id='__orchestrator__' for progress.",
                "poll_device_id": .string(Naming.orchestratorID),
            ]
        }
        return try await finishIfOneShot(ack, device: Naming.orchestratorID)
    }

    /// In a one-shot process, waits for the device's queue and adds the outcome as `result`.
    func finishIfOneShot(_ ack: JSONObject, device: String) async throws(RuntimeError) -> JSONObject {
        guard oneShot, ack["replayed"] == nil else { return ack }
        await queue.drain(device)
        var out = ack
        if let id = ack["operation_id"]?.stringValue, let op = try store.operations().first(where: { $0.id == id }) {
            out["result"] = .object(op.updateEvent)
        }
        return out
    }
}

/// Runs a model call and maps its ``RuntimeError`` onto the SDK's ``PluginError``.
func mapped(_ body: () async throws(RuntimeError) -> JSONObject) async throws(PluginError) -> JSONObject {
    do { return try await body() } catch {
        throw PluginError(code: error.code, message: error.message, field: error.field)
    }
}

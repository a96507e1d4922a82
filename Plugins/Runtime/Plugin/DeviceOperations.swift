import AgentJSON
import AgentPluginKit
import RuntimeModel

/// Performs `delete_device`, `start_device`, `stop_device` and `restart_device`. All are
/// idempotent, so recovery simply runs an interrupted one again. Owns no state.
struct DeviceOperations: Sendable {
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let networks: EngineNetworks
    let dhcp: DHCPCoordinator
    let dedicatedNIC: DedicatedNIC
    /// WiFi vNICs' bridges (removed before the container goes).
    let wifi: WifiUplinks
    /// Forgets a device's crash-loop history (start and restart clear a crash loop).
    let resetCrashGuard: @Sendable (String) async -> Void
    /// Forgets what the process remembers of a deleted device (usage, crash-loop history).
    let forget: @Sendable (String) async -> Void

    /// Deletes a vPLC (spec §5.4, improved): stops and removes the container (found by name or
    /// by its device label), removes its internal bridge, and the agent's MACVLAN networks that
    /// are now unused. Deleting an unknown device succeeds (upstream behaviour).
    /// - Throws: the engine's or the store's error (the delete can be run again).
    func delete(_ op: inout OperationRecord) async throws(RuntimeError) {
        let device = op.deviceID
        let record = try store.record(device)
        if var r = record, r.desired != .stopped {
            r.desired = .stopped  // the lifecycle manager must not restart what is being deleted
            try store.put(r)
        }
        try await journal.step(&op, "stopping_container")
        await dhcp.stop(device, vnics: record?.vnics ?? [])
        await dedicatedNIC.giveBack(device)
        await wifi.detach(device, vnics: record?.vnics ?? [])
        var macvlans = Set(record?.vnics.map(\.network) ?? [])
        var targets = [device]
        let labelled = try await engine.call("container.list", ["labels": [Naming.deviceLabel: .string(device)]]).arrayValue ?? []
        for c in labelled {
            guard let o = c.objectValue else { continue }
            if let id = o["id"]?.stringValue { targets.append(id) }
            for (k, v) in o["labels"]?.objectValue?.entries ?? [] where k.hasPrefix(Naming.vnicLabelPrefix) {
                if let n = v.stringValue { macvlans.insert(n) }
            }
        }
        for t in targets {
            guard try await engine.inspect(t) != nil else { continue }
            do {
                _ = try await engine.call("container.stop", ["id": .string(t), "timeout_s": 10])
            } catch where error.code == "engine_not_found" {}
            _ = try await engine.call("container.remove", ["id": .string(t), "force": true])
        }
        try await journal.step(&op, "removing_networks")
        try await networks.gate.run { () async throws(RuntimeError) in
            try await engine.removeNetworkIfUnused(Naming.internalNetwork(device))
            for n in macvlans.sorted() {
                guard let net = try await engine.network(n),
                    net["labels"]?.objectValue?[Naming.managedLabel]?.stringValue == "true"
                else { continue }
                try await engine.removeNetworkIfUnused(n)
            }
        }
        await forget(device)
    }

    /// start / stop / restart. The desired state is made durable first, so the lifecycle
    /// manager never undoes an operator's stop, and a restarted agent finishes the job.
    /// - Returns: the device's record as changed.
    /// - Throws: `device_not_found` without a record; the engine's or the store's error.
    func power(_ op: inout OperationRecord) async throws(RuntimeError) -> DeviceRecord? {
        guard var record = try store.record(op.deviceID) else {
            throw RuntimeError("device_not_found", "Device \(op.deviceID) not found", field: "device_id")
        }
        record.desired = op.kind == .stop ? .stopped : .running
        if op.kind != .stop {
            record.crashLoop = false
            await resetCrashGuard(op.deviceID)
        }
        try store.put(record)
        let id = JSONValue.string(op.deviceID)
        switch op.kind {
        case .start:
            try await journal.step(&op, "starting_container")
            _ = try await engine.call("container.start", ["id": id])
        case .stop:
            try await journal.step(&op, "stopping_container")
            await dedicatedNIC.giveBack(op.deviceID)
            await wifi.detach(op.deviceID, vnics: record.vnics)
            _ = try await engine.call("container.stop", ["id": id, "timeout_s": 10])
        default:
            try await journal.step(&op, "restarting_container")
            await dedicatedNIC.giveBack(op.deviceID)
            await wifi.detach(op.deviceID, vnics: record.vnics)
            _ = try await engine.call("container.restart", ["id": id, "timeout_s": 10])
        }
        return record
    }
}

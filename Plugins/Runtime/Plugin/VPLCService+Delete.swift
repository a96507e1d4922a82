import AgentJSON
import AgentPluginKit
import RuntimeModel

extension VPLCService {
    /// Deletes a vPLC (spec §5.4, improved): stops and removes the container (found by name or
    /// by its device label), removes its internal bridge, and the agent's MACVLAN networks that
    /// are now unused. Deleting an unknown device succeeds (upstream behaviour). Idempotent, so
    /// recovery simply runs it again.
    func performDelete(_ op: inout OperationRecord) async throws(RuntimeError) {
        let device = op.deviceID
        let record = try store.record(device)
        if var r = record, r.desired != .stopped {
            r.desired = .stopped  // the lifecycle manager must not restart what is being deleted
            try store.put(r)
        }
        try await step(&op, "stopping_container")
        await stopDHCP(device, vnics: record?.vnics ?? [])
        await returnDedicatedNIC(device)
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
        try await step(&op, "removing_networks")
        try await networkGate.run { () async throws(RuntimeError) in
            try await engine.removeNetworkIfUnused(Naming.internalNetwork(device))
            for n in macvlans.sorted() {
                guard let net = try await engine.network(n),
                    net["labels"]?.objectValue?[Naming.managedLabel]?.stringValue == "true"
                else { continue }
                try await engine.removeNetworkIfUnused(n)
            }
        }
        await live.forget(device)
    }

    /// start / stop / restart. The desired state is made durable first, so the lifecycle
    /// manager never undoes an operator's stop, and a restarted agent finishes the job.
    func performPower(_ op: inout OperationRecord) async throws(RuntimeError) -> DeviceRecord? {
        guard var record = try store.record(op.deviceID) else {
            throw RuntimeError("device_not_found", "Device \(op.deviceID) not found", field: "device_id")
        }
        record.desired = op.kind == .stop ? .stopped : .running
        if op.kind != .stop {
            record.crashLoop = false
            await live.resetGuard(op.deviceID)
        }
        try store.put(record)
        let id = JSONValue.string(op.deviceID)
        switch op.kind {
        case .start:
            try await step(&op, "starting_container")
            _ = try await engine.call("container.start", ["id": id])
        case .stop:
            try await step(&op, "stopping_container")
            await returnDedicatedNIC(op.deviceID)
            _ = try await engine.call("container.stop", ["id": id, "timeout_s": 10])
        default:
            try await step(&op, "restarting_container")
            await returnDedicatedNIC(op.deviceID)
            _ = try await engine.call("container.restart", ["id": id, "timeout_s": 10])
        }
        return record
    }
}

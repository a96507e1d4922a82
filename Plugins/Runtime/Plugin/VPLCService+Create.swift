import AgentJSON
import AgentPluginKit
import Logging
import Synchronization
import RuntimeModel

extension VPLCService {
    /// Creates and starts a vPLC (spec §5.1, with labels, rollback and idempotency). Every Docker
    /// object is journaled as "made by this operation" before the call that makes it, so a
    /// failure, or an agent killed half-way, can remove exactly what this create made.
    func performCreate(_ op: inout OperationRecord) async throws(RuntimeError) -> DeviceRecord? {
        guard let request = op.request else { throw RuntimeError("internal", "create without its request") }
        let spec = try DeviceSpec(stored: request)
        try await step(&op, "validating_config")
        if let existing = try store.record(spec.deviceID) {
            if existing.fingerprint == spec.fingerprint, try await engine.inspect(spec.deviceID) != nil {
                op.step = "already_exists"
                return nil  // idempotent: same device, same config, nothing to do
            }
            throw RuntimeError(
                "device_exists", "Container name is already in use: \(spec.deviceID) exists with another configuration; delete it first",
                field: "container_name")
        }
        if let orphan = try await engine.inspect(spec.deviceID) {
            let labels = orphan["labels"]?.objectValue ?? [:]
            guard labels[Naming.deviceLabel]?.stringValue == spec.deviceID,
                labels[Naming.specLabel]?.stringValue == spec.fingerprint
            else {
                throw RuntimeError(
                    "device_exists", "Container name is already in use by a container the agent did not make",
                    field: "container_name")
            }
            // Made by an earlier run with this exact config (e.g. the record was lost): adopt it.
            op.step = "adopted"
            let record = try await adopt(container: orphan, spec: spec)
            _ = try await engine.call("container.start", ["id": .string(spec.deviceID)])
            return record
        }
        let lans = await knownLANs(spec)
        let plan = try ContainerPlan(spec: spec, settings: settings.planSettings, lanOf: { lans[$0] })
        try await step(&op, "pulling_image")
        try await ensureImage(plan.image, tag: spec.runtimeVersion)

        try await step(&op, "creating_networks")
        // Networks and the container that attaches to them are one step for other devices'
        // creates, rollbacks and deletes (see NetworkGate).
        let (created, networkNames) = try await networkGate.run { () async throws(RuntimeError) in
            try await makeNetworksAndContainer(plan, spec: spec, op: &op)
        }

        try await step(&op, "starting_container")
        _ = try await engine.call("container.start", ["id": .string(spec.deviceID)])

        try await step(&op, "recording")
        guard let inspect = try await engine.inspect(spec.deviceID) else {
            throw RuntimeError("container_vanished", "the container disappeared right after it started")
        }
        var record = DeviceRecord(
            deviceID: spec.deviceID, spec: spec.json, fingerprint: spec.fingerprint,
            vnics: recordedVNICs(plan: plan, networkNames: networkNames, inspect: inspect),
            createdAt: WallClock.iso(WallClock.now()))
        record.containerID = created["id"]?.stringValue ?? inspect["id"]?.stringValue
        await live.resetGuard(spec.deviceID)
        return record
    }

    /// The networks `plan` needs (internal bridge, MACVLANs) and the container attached to
    /// them; answers the created container and each vNIC's real network name. Call it holding
    /// ``networkGate``.
    func makeNetworksAndContainer(
        _ plan: ContainerPlan, spec: DeviceSpec, op: inout OperationRecord
    ) async throws(RuntimeError) -> (JSONObject, [String: String]) {
        try await checkMACsFree(plan)
        if try await engine.network(plan.internalNetwork) == nil {
            var params: JSONObject = [
                "name": .string(plan.internalNetwork), "driver": "bridge", "internal": true, "labels": .object(plan.internalLabels),
            ]
            if let pool = settings.internalPool { params["ipam"] = ["subnet": .string(try await freeInternalSubnet(pool, plan: plan).description)] }
            op.createdNetworks.append(plan.internalNetwork)
            try store.put(op)
            _ = try await engine.call("network.create", params)
        }
        var networkNames: [String: String] = [:]
        for v in plan.vnics {
            networkNames[v.spec.name] = try await ensureMacvlan(v.network, op: &op)
        }

        try await step(&op, "creating_container")
        var networks = plan.networks
        networks = networks.map { n in
            guard var o = n.objectValue, let name = o["network"]?.stringValue else { return n }
            if let v = plan.vnics.first(where: { $0.network.name == name }), let real = networkNames[v.spec.name] {
                o["network"] = .string(real)
            }
            return .object(o)
        }
        var labels = plan.containerLabels
        labels["io.autonomy.spec.json"] = .string(JSONWriter.string(.object(spec.json)))
        op.createdContainer = spec.deviceID
        try store.put(op)
        let created = try await engine.object(
            "container.create",
            [
                "name": .string(spec.deviceID), "image": .string(plan.image), "labels": .object(labels),
                "host_config": .object(plan.hostConfig), "networks": .array(networks),
            ])
        return (created, networkNames)
    }

    /// A block of `pool` no engine network and none of the plan's LANs use. Call it holding
    /// ``networkGate`` (two creates would pick the same block).
    /// - Throws: ``RuntimeError`` `address_pool_exhausted` when the pool is full.
    func freeInternalSubnet(_ pool: InternalSubnetPool, plan: ContainerPlan) async throws(RuntimeError) -> IPv4Network {
        let networks = try await engine.call("network.list", [:]).arrayValue ?? []
        var used = networks.compactMap { $0.objectValue?["subnet"]?.stringValue.flatMap { IPv4Network(cidr: $0) } }
        used += plan.vnics.map(\.network.subnet)
        guard let block = pool.firstFree(avoiding: used) else {
            throw RuntimeError(
                "address_pool_exhausted",
                "no free /\(pool.blockPrefix) left in internal_subnet_pool \(pool.range) for the vPLC's internal bridge (\(pool.capacity) blocks); widen the pool in the runtime plugin's config")
        }
        return block
    }

    /// The LANs (subnet, gateway) of the parents of `spec`'s vNICs that gave no subnet, as the
    /// netmon listener knows them.
    func knownLANs(_ spec: DeviceSpec) async -> [String: (IPv4Network, IPv4?)] {
        var lans: [String: (IPv4Network, IPv4?)] = [:]
        for v in spec.vnics where v.subnet == nil {
            if let lan = await netmon.lan(of: v.parentInterface) { lans[v.parentInterface] = lan }
        }
        return lans
    }

    /// The vNICs as Docker made them: the MAC Docker reports is the one persisted (engines
    /// below API 1.44 may ignore a requested MAC for all but the first network; the agent
    /// records what is real and logs the difference).
    func recordedVNICs(plan: ContainerPlan, networkNames: [String: String], inspect: JSONObject) -> [DeviceRecord.VNIC] {
        let nets = inspect["networks"]?.objectValue ?? [:]
        return plan.vnics.map { v in
            let name = networkNames[v.spec.name] ?? v.network.name
            let actual = nets[name]?.objectValue
            let mac = actual?["mac_address"]?.stringValue ?? v.mac
            if mac != v.mac {
                host.log(
                    .warning, "the engine did not apply the requested MAC; recording the real one",
                    metadata: ["device": plan.spec.deviceID, "vnic": v.spec.name, "requested": v.mac, "actual": mac])
            }
            return DeviceRecord.VNIC(
                name: v.spec.name, network: name, parent: v.spec.parentInterface, mode: v.spec.mode.rawValue, mac: mac,
                ip: actual?["ip_address"]?.stringValue ?? v.spec.ip?.description)
        }
    }

    /// Refuses a requested MAC that another container already uses on the same LAN.
    func checkMACsFree(_ plan: ContainerPlan) async throws(RuntimeError) {
        for (i, v) in plan.vnics.enumerated() where v.spec.mac != nil {
            guard let net = try await engine.network(v.network.name) else { continue }
            for (_, c) in net["containers"]?.objectValue?.entries ?? [] where c.objectValue?["mac_address"]?.stringValue == v.mac {
                throw RuntimeError("mac_in_use", "MAC address \(v.mac) is already in use.", field: "vnic_configs[\(i)].mac")
            }
        }
    }

    /// Makes sure the runtime image is present: pulled when missing (or always, by setting).
    func ensureImage(_ image: String, tag: String) async throws(RuntimeError) {
        let present: Bool
        do {
            _ = try await engine.call("image.inspect", ["ref": .string(image)])
            present = true
        } catch where error.code == "engine_not_found" {
            present = false
        }
        if present && !settings.pullAlways { return }
        do {
            _ = try await engine.call("image.pull", ["ref": .string(image)])
        } catch {
            if present { return }  // no registry reachable, the local copy is used
            throw RuntimeError(
                "image_not_found",
                "Runtime version '\(tag)' not found. The image \(image) does not exist in the registry or locally (\(error.message))",
                field: "runtime_version")
        }
    }

    /// Finds or makes the MACVLAN network of `target`; answers the name to attach to (an
    /// existing network on the same parent and subnet is reused even under another name).
    func ensureMacvlan(_ target: MacvlanTarget, op: inout OperationRecord) async throws(RuntimeError) -> String {
        if let net = try await engine.network(target.name) {
            let parent = net["options"]?.objectValue?["parent"]?.stringValue
            guard net["driver"]?.stringValue == "macvlan", parent == target.parent else {
                throw RuntimeError("network_conflict", "a network named \(target.name) exists but is not a MACVLAN on \(target.parent)")
            }
            return target.name
        }
        let existing = try await engine.call("network.list", ["driver": "macvlan"]).arrayValue ?? []
        for n in existing {
            guard let o = n.objectValue, o["options"]?.objectValue?["parent"]?.stringValue == target.parent else { continue }
            if o["subnet"]?.stringValue == target.subnet.description, let name = o["name"]?.stringValue { return name }
            throw RuntimeError(
                "parent_in_use",
                "\(target.parent) already carries the MACVLAN network \(o["name"]?.stringValue ?? "?") for another subnet (\(o["subnet"]?.stringValue ?? "?")); Docker allows one per parent",
                field: "vnic_configs")
        }
        var ipam: JSONObject = ["subnet": .string(target.subnet.description)]
        if let gw = target.gateway { ipam["gateway"] = .string(gw.description) }
        if let range = ReattachDecision.dockerRange(of: target.subnet, prefix: settings.dockerRangePrefix) {
            ipam["ip_range"] = .string(range.description)
        }
        op.createdNetworks.append(target.name)
        try store.put(op)
        do throws(RuntimeError) {
            _ = try await engine.call(
                "network.create",
                [
                    "name": .string(target.name), "driver": "macvlan", "options": ["parent": .string(target.parent)],
                    "labels": .object(target.labels), "ipam": .object(ipam),
                ])
        } catch where error.code == "engine_conflict" {
            // Another create (of another device) made the same network between the look-up above
            // and this call: it is that create's, not this one's (a rollback here must not remove
            // it), and this create uses it as it would have found it.
            op.createdNetworks.removeAll { $0 == target.name }
            try store.put(op)
            guard let net = try await engine.network(target.name), net["driver"]?.stringValue == "macvlan",
                net["options"]?.objectValue?["parent"]?.stringValue == target.parent
            else { throw error }
            return target.name
        }
        return target.name
    }

    /// Removes what a failed or interrupted create made: its container, its internal bridge,
    /// and MACVLAN networks it made that nobody else uses.
    func rollback(_ op: OperationRecord) async throws(RuntimeError) {
        try await networkGate.run { () async throws(RuntimeError) in
            if let c = op.createdContainer {
                if let found = try await engine.inspect(c),
                    found["labels"]?.objectValue?[Naming.deviceLabel]?.stringValue == op.deviceID
                {
                    _ = try await engine.call("container.remove", ["id": .string(c), "force": true])
                }
            }
            for n in op.createdNetworks.reversed() {
                try await engine.removeNetworkIfUnused(n)
            }
        }
    }

    /// A failed create whose rollback could not run (typically: the engine was away, e.g. dockerd
    /// restarting) leaves objects no record knows. Runs next on the device's queue (before any
    /// later command for it) and tries the rollback again every 2 s for about two minutes, until
    /// it succeeds or a record of the device exists (then they are the device's, not orphans).
    func retryRollback(_ op: OperationRecord) async {
        for _ in 0..<60 {
            try? await Task.sleep(for: .seconds(2))  // harmless: cancellation is checked next
            if Task.isCancelled { return }
            // Only objects no record knows are orphans: a record that cannot be read (logged) is
            // not "no record", so nothing is removed this round.
            switch recordForPass(op.deviceID, "create_rollback_retry") {
            case .success(nil): break
            case .success: return
            case .failure: continue
            }
            do throws(RuntimeError) {
                try await rollback(op)
                try markRolledBack(op)
                host.log(.notice, "removed what a failed create had made", metadata: ["device": op.deviceID, "operation": op.id])
                return
            } catch {
                host.log(.debug, "rollback of a failed create still impossible", metadata: ["device": op.deviceID, "error": error.message])
            }
        }
        host.log(.error, "gave up removing what a failed create had made", metadata: ["device": op.deviceID, "operation": op.id])
    }

    /// Journals that the objects `op` (a failed create) made are gone: its entry keeps its
    /// state and error as reported, and no longer lists them, so no later start removes them again.
    func markRolledBack(_ op: OperationRecord) throws(RuntimeError) {
        var done = op
        done.createdContainer = nil
        done.createdNetworks = []
        try store.put(done)
    }

    /// Builds a record for a container this agent made earlier (labels carry the spec).
    func adopt(container: JSONObject, spec: DeviceSpec) async throws(RuntimeError) -> DeviceRecord {
        let labels = container["labels"]?.objectValue ?? [:]
        let nets = container["networks"]?.objectValue ?? [:]
        var vnics: [DeviceRecord.VNIC] = []
        for v in spec.vnics {
            let network = labels[Naming.vnicLabelPrefix + v.name]?.stringValue ?? ""
            let n = nets[network]?.objectValue
            vnics.append(
                DeviceRecord.VNIC(
                    name: v.name, network: network, parent: v.parentInterface, mode: v.mode.rawValue,
                    mac: n?["mac_address"]?.stringValue ?? v.mac ?? "", ip: n?["ip_address"]?.stringValue))
        }
        var record = DeviceRecord(
            deviceID: spec.deviceID, spec: spec.json, fingerprint: spec.fingerprint, vnics: vnics,
            createdAt: WallClock.iso(WallClock.now()))
        record.containerID = container["id"]?.stringValue
        return record
    }
}

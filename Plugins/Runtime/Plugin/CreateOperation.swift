import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Performs `create_new_runtime` (spec §5.1, with labels, rollback and idempotency): pulls the
/// image, makes the networks and the container, starts it and builds its record. Every Docker
/// object is journaled as "made by this operation" before the call that makes it, so a
/// failure, or an agent killed half-way, can remove exactly what this create made
/// (``CreateRollback``). Owns no state.
struct CreateOperation: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let networks: EngineNetworks
    let netmon: any NetmonClient
    let settings: RuntimeSettings
    /// The probe that refuses a static address another LAN host holds.
    let announcer: AddressAnnouncer
    /// Forgets a device's crash-loop history (a new vPLC starts with none).
    let resetCrashGuard: @Sendable (String) async -> Void
    /// The serial passthrough: the majors of devices the serial configs match now are allowed too.
    var serial: SerialPorts? = nil

    /// Runs the create journaled in `op` (its request is the canonical spec).
    /// - Returns: the new device record, or nil when the same device with the same config
    ///   already runs (`step: already_exists`, nothing done).
    /// - Throws: `device_exists` (another config, or a container the agent did not make), a
    ///   network or image error, the engine's or the store's error.
    func perform(_ op: inout OperationRecord) async throws(RuntimeError) -> DeviceRecord? {
        guard let request = op.request else { throw RuntimeError("internal", "create without its request") }
        let spec = try DeviceSpec(stored: request)
        try await journal.step(&op, "validating_config")
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
            let record = DeviceRecord.rebuilt(container: orphan, spec: spec, createdAt: WallClock.iso(WallClock.now()))
            _ = try await engine.call("container.start", ["id": .string(spec.deviceID)])
            return record
        }
        let lans = await knownLANs(spec)
        let wifiParents = await netmon.wifiParents(spec.vnics.map(\.parentInterface))
        var plan = try ContainerPlan(spec: spec, settings: settings.planSettings, lanOf: { lans[$0] }, wifiParents: wifiParents)
        plan.serialMajors = await serial?.extraMajors(spec) ?? []
        for parent in Set(plan.wifiVNICs.map(\.spec.parentInterface)) where plan.wifiVNICs.filter({ $0.spec.parentInterface == parent }).count > 1 {
            // Allowed (no Docker network is shared), as upstream: only a warning (spec §5.1).
            host.log(.warning, "two vNICs of one vPLC on one WiFi parent", metadata: ["device": spec.deviceID, "parent": parent])
        }
        try await journal.step(&op, "pulling_image")
        try await ensureImage(plan.image, tag: spec.runtimeVersion)

        try await journal.step(&op, "checking_addresses")
        try await announcer.checkFree(spec)

        try await journal.step(&op, "creating_networks")
        // Networks and the container that attaches to them are one step for other devices'
        // creates, rollbacks and deletes (see NetworkGate).
        let (created, networkNames) = try await networks.gate.run { () async throws(RuntimeError) in
            try await makeNetworksAndContainer(plan, spec: spec, op: &op)
        }

        try await journal.step(&op, "starting_container")
        _ = try await engine.call("container.start", ["id": .string(spec.deviceID)])

        try await journal.step(&op, "recording")
        guard let inspect = try await engine.inspect(spec.deviceID) else {
            throw RuntimeError("container_vanished", "the container disappeared right after it started")
        }
        var record = DeviceRecord(
            deviceID: spec.deviceID, spec: spec.json, fingerprint: spec.fingerprint,
            vnics: recordedVNICs(plan: plan, networkNames: networkNames, inspect: inspect),
            createdAt: WallClock.iso(WallClock.now()))
        record.containerID = created["id"]?.stringValue ?? inspect["id"]?.stringValue
        await resetCrashGuard(spec.deviceID)
        return record
    }

    /// The networks `plan` needs (internal bridge, MACVLANs) and the container attached to
    /// them; answers the created container and each vNIC's real network name. Call it holding
    /// the network gate.
    func makeNetworksAndContainer(
        _ plan: ContainerPlan, spec: DeviceSpec, op: inout OperationRecord
    ) async throws(RuntimeError) -> (JSONObject, [String: String]) {
        try await networks.checkMACsFree(plan)
        if try await engine.network(plan.internalNetwork) == nil {
            var params: JSONObject = [
                "name": .string(plan.internalNetwork), "driver": "bridge", "internal": true, "labels": .object(plan.internalLabels),
            ]
            if let pool = settings.internalPool {
                params["ipam"] = ["subnet": .string(try await networks.freeInternalSubnet(pool, plan: plan).description)]
            }
            op.createdNetworks.append(plan.internalNetwork)
            try store.put(op)
            _ = try await engine.call("network.create", params)
        }
        var networkNames: [String: String] = [:]
        for v in plan.vnics {
            networkNames[v.spec.name] = try await networks.ensureMacvlan(v.network, op: &op)
        }

        try await journal.step(&op, "creating_container")
        let attachments = plan.networks.map { n -> JSONValue in
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
                "host_config": .object(plan.hostConfig), "networks": .array(attachments),
            ])
        return (created, networkNames)
    }

    /// The LANs (subnet, gateway) of the parents of `spec`'s vNICs that gave no subnet, as the
    /// netmon listener knows them.
    func knownLANs(_ spec: DeviceSpec) async -> [String: (IPv4Network, IPv4?)] {
        var lans: [String: (IPv4Network, IPv4?)] = [:]
        for v in spec.vnics where v.subnet == nil || v.gateway == nil {
            if let lan = await netmon.lan(of: v.parentInterface) { lans[v.parentInterface] = lan }
        }
        return lans
    }

    /// The vNICs as Docker made them: the MAC Docker reports is the one persisted (engines
    /// below API 1.44 may ignore a requested MAC for all but the first network; the agent
    /// records what is real and logs the difference).
    func recordedVNICs(plan: ContainerPlan, networkNames: [String: String], inspect: JSONObject) -> [DeviceRecord.VNIC] {
        let nets = inspect["networks"]?.objectValue ?? [:]
        let wifi = plan.wifiVNICs.map { w in
            var v = DeviceRecord.VNIC(
                name: w.spec.name, network: w.pseudoNetwork, parent: w.spec.parentInterface, mode: w.spec.mode.rawValue, mac: "",
                ip: w.spec.ip?.description)
            v.method = Naming.proxyARPMethod
            return v
        }
        let macvlans = plan.vnics.map { v in
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
        let all = wifi + macvlans
        return plan.spec.vnics.compactMap { s in all.first { $0.name == s.name } }
    }

    /// Makes sure the runtime image is present: pulled when missing (or always, by setting).
    /// - Throws: `image_not_found` naming `runtime_version` when there is neither a pull nor a
    ///   local copy.
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
}

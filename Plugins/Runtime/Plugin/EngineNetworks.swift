import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The engine networks vPLCs attach to: finds or makes a LAN's MACVLAN network, picks a free
/// internal subnet, checks requested MACs, removes a parent's old MACVLAN networks, disconnects.
/// Used by create, rollback, delete, self-destruct and network moves.
///
/// Owns: the ``NetworkGate`` — making networks plus the container that first attaches to them,
/// removing networks and moving vNICs run one at a time across devices; callers hold it.
final class EngineNetworks: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    /// Docker's IPAM range on a MACVLAN network made here (`docker_ip_range_prefix`).
    let dockerRangePrefix: Int
    /// Network changes and first attachments, one at a time across devices.
    let gate = NetworkGate()

    init(host: PluginHost, engine: any ContainerEngine, store: RuntimeStore, dockerRangePrefix: Int) {
        self.host = host
        self.engine = engine
        self.store = store
        self.dockerRangePrefix = dockerRangePrefix
    }

    /// Finds or makes the MACVLAN network of `target`; answers the name to attach to (an
    /// existing network on the same parent and subnet is reused even under another name). A
    /// network it makes is journaled in `op.createdNetworks` (durably) before the engine call.
    /// Call it holding ``gate``.
    /// - Throws: `network_conflict` (the name is taken by another kind of network),
    ///   `parent_in_use` (the parent carries a MACVLAN of another subnet), the engine's error.
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
                "\(target.parent) already carries the MACVLAN network \(o["name"]?.stringValue ?? "?") for another subnet (\(o["subnet"]?.stringValue ?? "?")); the agent keeps one per parent (Docker allows no more)",
                field: "vnic_configs")
        }
        var ipam: JSONObject = ["subnet": .string(target.subnet.description)]
        if let gw = target.gateway { ipam["gateway"] = .string(gw.description) }
        if let range = ReattachDecision.dockerRange(of: target.subnet, prefix: dockerRangePrefix) {
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

    /// A block of `pool` no engine network and none of the plan's LANs use. Call it holding
    /// ``gate`` (two creates would pick the same block).
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

    /// Refuses a requested MAC that another container already uses on the same LAN.
    /// - Throws: `mac_in_use` naming the vNIC's `mac` field.
    func checkMACsFree(_ plan: ContainerPlan) async throws(RuntimeError) {
        for (i, v) in plan.vnics.enumerated() where v.spec.mac != nil {
            guard let net = try await engine.network(v.network.name) else { continue }
            for (_, c) in net["containers"]?.objectValue?.entries ?? [] where c.objectValue?["mac_address"]?.stringValue == v.mac {
                throw RuntimeError("mac_in_use", "MAC address \(v.mac) is already in use.", field: "vnic_configs[\(i)].mac")
            }
        }
    }

    /// Removes the agent's MACVLAN networks on `parent` for other subnets: those it made
    /// (labelled) and those a vPLC it took over was on (the Python agent's, unlabelled). Call it
    /// holding ``gate``.
    /// - Throws: `parent_in_use` when one cannot go (someone else still uses it); the store's or
    ///   the engine's error.
    func removeOldMacvlans(_ parent: String, keeping subnet: IPv4Network) async throws(RuntimeError) {
        let nets = try await engine.call("network.list", ["driver": "macvlan"]).arrayValue ?? []
        let adopted = Set(try store.records().filter { $0.adoptedFrom != nil }.flatMap { $0.vnics.map(\.network) })
        for n in nets {
            guard let o = n.objectValue, o["options"]?.objectValue?["parent"]?.stringValue == parent,
                o["subnet"]?.stringValue != subnet.description, let name = o["name"]?.stringValue
            else { continue }
            let ours = o["labels"]?.objectValue?[Naming.managedLabel]?.stringValue == "true" || adopted.contains(name)
            guard ours, try await engine.removeNetworkIfUnused(name) else {
                throw RuntimeError(
                    "parent_in_use",
                    "\(parent) still carries the MACVLAN network \(name) (\(o["subnet"]?.stringValue ?? "?")), which other containers use; the agent keeps one per parent (Docker allows no more)")
            }
        }
    }

    /// Disconnects `device` from `network`, tolerating "already gone" (logged at debug level).
    func disconnect(_ device: String, from network: String) async {
        do {
            _ = try await engine.call("network.disconnect", ["network": .string(network), "container": .string(device), "force": true])
        } catch {
            host.log(.debug, "disconnect", metadata: ["device": device, "network": network, "error": error.description])
        }
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Follows the vNICs' parent interfaces (spec §7.5, improved): when a parent is up on a LAN its
/// vNICs are not on, the affected vPLCs' queues are held, their vNICs disconnected, the old
/// MACVLAN network removed (Docker allows one per parent), the new one made, and each vNIC
/// connected again with its persisted MAC: static ones keep their address where it fits, else
/// they stay detached with a typed reason; DHCP ones get a new lease. No PLC restarts. Each move
/// is journaled as a `reattach` operation per device and told as its `operation_update`.
///
/// Owns: the ``ParentLANs`` (last LAN per parent, parents down or removed).
final class NetworkMover: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let networks: EngineNetworks
    let dhcp: DHCPCoordinator
    /// WiFi parents: their vNICs' bridges follow the LAN instead (``WifiUplinks/follow(parent:subnet:gateway:)``).
    var wifi: WifiUplinks { dhcp.wifi }
    private let parents = ParentLANs()

    init(
        host: PluginHost, engine: any ContainerEngine, store: RuntimeStore, journal: OperationJournal, networks: EngineNetworks,
        dhcp: DHCPCoordinator
    ) {
        self.host = host
        self.engine = engine
        self.store = store
        self.journal = journal
        self.networks = networks
        self.dhcp = dhcp
    }

    /// One interface's state (a `network_change` event, or an entry of `network_discovery` or of
    /// the listener's table). Down and removed are remembered; an interface that is up with an
    /// IPv4 LAN gets the vNICs whose parent it is checked (and moved) on the parent's queue.
    func interfaceChanged(_ info: JSONObject) async {
        guard let name = info["interface"]?.stringValue else { return }
        switch info["status"]?.stringValue ?? "up" {
        case "removed": await parents.markRemoved(name)
        case "down": await parents.markDown(name)
        default:
            guard let (subnet, gateway) = Netmon.lan(info) else { return }
            await parents.setLAN(name, (subnet, gateway))
            // A failed read is logged and skips this change; the periodic check covers the parent.
            guard let records = store.recordsForPass("interface_change"), records.contains(where: { $0.vnics.contains { $0.parent == name } })
            else { return }
            let flags = await parents.takeFlags(name)
            await journal.enqueue("@parent/" + name) { [self] in
                await self.reconcileParent(name, subnet: subnet, gateway: gateway, recreated: flags.removed, wasDown: flags.wasDown)
            }
        }
    }

    /// The periodic re-check (with the lifecycle manager's health check): every parent's vNICs
    /// against the last LAN seen on it, so a move that failed (e.g. the engine refused a network)
    /// is tried again without waiting for the next interface change.
    func reconcileNetworks() async {
        for (parent, subnet, gateway) in await parents.knownLANs() {
            await journal.enqueue("@parent/" + parent) { [self] in
                await self.reconcileParent(parent, subnet: subnet, gateway: gateway, recreated: false, wasDown: false)
            }
        }
    }

    /// Moves every vNIC on `parent` that is not on the MACVLAN network of its LAN now, holding
    /// the affected vPLCs' queues; with nothing to move, a parent that was down or removed gets
    /// its DHCP clients renewed. Runs on the parent's queue.
    func reconcileParent(_ parent: String, subnet: IPv4Network, gateway: IPv4?, recreated: Bool, wasDown: Bool) async {
        await wifi.follow(parent: parent, subnet: subnet, gateway: gateway)
        let devices = await devicesNeedingMove(parent, subnet: subnet, gateway: gateway, recreated: recreated)
        if devices.isEmpty {
            if wasDown || recreated { await dhcp.renew(parent: parent) }
            return
        }
        let release = Latch()
        var arrived: [Latch] = []
        for d in devices {
            let here = Latch()
            arrived.append(here)
            await journal.enqueue(d) {
                await here.open()
                await release.wait()
            }
        }
        for a in arrived { await a.wait() }
        await moveVNICs(devices, parent: parent, subnet: subnet, gateway: gateway, recreated: recreated)
        await release.open()
    }

    /// Devices with at least one vNIC on `parent` that is not where its LAN is now.
    func devicesNeedingMove(_ parent: String, subnet: IPv4Network, gateway: IPv4?, recreated: Bool) async -> [String] {
        guard let records = store.recordsForPass("network_check") else { return [] }
        var subnets: [String: IPv4Network?] = [:]
        var out: [String] = []
        for r in records {
            for v in r.vnics where v.parent == parent && !v.isWifi {
                let d = await decision(v, subnet: subnet, gateway: gateway, recreated: recreated, subnets: &subnets)
                if d != .keep, !out.contains(r.deviceID) { out.append(r.deviceID) }
            }
        }
        return out
    }

    /// What to do with `v` given its parent's LAN now; `subnets` caches network inspections.
    func decision(
        _ v: DeviceRecord.VNIC, subnet: IPv4Network, gateway: IPv4?, recreated: Bool, subnets: inout [String: IPv4Network?]
    ) async -> ReattachDecision {
        // A detached vNIC is on no network, whatever name its record still carries.
        guard v.detached == nil else {
            return ReattachDecision.decide(v, current: nil, subnet: subnet, gateway: gateway, parentRecreated: recreated)
        }
        do throws(RuntimeError) {
            let current = try await subnetOf(v.network, cache: &subnets)
            return ReattachDecision.decide(v, current: current, subnet: subnet, gateway: gateway, parentRecreated: recreated)
        } catch {
            // Unknown is not "on no network": moving on a failed inspect would detach a vNIC that
            // is fine. It stays as it is; the next check decides again.
            host.log(
                .warning, "could not inspect a vNIC's network: it is left as it is until the next check",
                metadata: ["code": error.code, "vnic": v.name, "network": v.network, "error": error.message])
            return .keep
        }
    }

    /// The subnet of `network` (nil when it does not exist or has none); `cache` keeps answers.
    /// - Throws: the engine's error when it cannot say (not cached).
    func subnetOf(_ network: String, cache: inout [String: IPv4Network?]) async throws(RuntimeError) -> IPv4Network? {
        if let known = cache[network] { return known }
        let net = try await engine.network(network)
        let subnet = net?["subnet"]?.stringValue.flatMap { IPv4Network(cidr: $0) }
        cache[network] = subnet
        return subnet
    }

    /// The move itself, with the device queues held.
    func moveVNICs(_ devices: [String], parent: String, subnet: IPv4Network, gateway: IPv4?, recreated: Bool) async {
        var ops: [String: OperationRecord] = [:]
        var records: [String: DeviceRecord] = [:]
        var decisions: [String: [Int: ReattachDecision]] = [:]
        var subnets: [String: IPv4Network?] = [:]
        let request: JSONObject = [
            "parent": .string(parent), "subnet": .string(subnet.description), "gateway": gateway.map { .string($0.description) } ?? .null,
        ]
        // 1. Journal, decide again on fresh records, and detach.
        for d in devices {
            // A record that cannot be read (logged) or is gone: that device is not moved now.
            guard case .success(let read) = store.recordForPass(d, "network_move"), let r = read else { continue }
            var op = OperationRecord(
                id: journal.newOperationID(), deviceID: d, kind: .reattach, correlationID: .null, now: WallClock.iso(WallClock.now()),
                request: request)
            op.state = .running
            await journalStep(&op, "detaching")
            var mine: [Int: ReattachDecision] = [:]
            for (i, v) in r.vnics.enumerated() where v.parent == parent {
                let choice = await decision(v, subnet: subnet, gateway: gateway, recreated: recreated, subnets: &subnets)
                guard choice != .keep else { continue }
                mine[i] = choice
                if v.mode == "dhcp" { await dhcp.stop(d, vnics: [v]) }
                if v.detached == nil { await networks.disconnect(d, from: v.network) }
            }
            ops[d] = op
            records[d] = r
            decisions[d] = mine
        }
        // 2. One MACVLAN per parent: the old ones go (when nobody else uses them), the new one
        // comes, and the vNICs attach to it — one step for other devices' network changes.
        var errors: [String: RuntimeError] = [:]
        await networks.gate.run { () async throws(Never) in
            var target: String? = nil
            var failure: RuntimeError? = nil
            do throws(RuntimeError) {
                try await networks.removeOldMacvlans(parent, keeping: subnet)
                var scratch = OperationRecord(id: "reattach", deviceID: "", kind: .reattach, correlationID: .null, now: "")
                target = try await networks.ensureMacvlan(MacvlanTarget(parent: parent, subnet: subnet, gateway: gateway), op: &scratch)
            } catch {
                failure = error
                host.log(.error, "could not make the MACVLAN network for a parent's new LAN", metadata: ["parent": parent, "error": error.description])
            }
            // 3. Attach (or report detached).
            for d in devices {
                guard var op = ops[d], var r = records[d] else { continue }
                await journalStep(&op, "attaching")
                ops[d] = op
                for (i, decision) in (decisions[d] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    var v = r.vnics[i]
                    switch decision {
                    case .keep: continue
                    case .detach(let why):
                        v.detached = RuntimeError(why.code, why.message, field: "vnic_configs[\(i)].\(why.field ?? "ip")")
                    case .move(let ip):
                        guard let network = target else {
                            v.detached = RuntimeError(failure?.code ?? "network_unavailable", "\(v.name): \(failure?.message ?? "no MACVLAN network")")
                            break
                        }
                        await connect(&v, device: d, to: network, ip: ip)
                    }
                    if let e = v.detached, errors[d] == nil { errors[d] = e }
                    r.vnics[i] = v
                }
                records[d] = r
            }
        }
        // 4. Record, tell the cloud.
        for d in devices {
            guard var op = ops[d], let r = records[d] else { continue }
            let firstError = errors[d]
            op.step = "done"
            op.state = firstError == nil ? .succeeded : .failed
            op.error = firstError
            op.updatedAt = WallClock.iso(WallClock.now())
            do { try await journal.conclude(op, device: r) } catch {
                host.log(.critical, "could not record a re-attach", metadata: ["device": d, "error": error.message])
            }
            host.log(
                firstError == nil ? .notice : .error, "vPLC re-attached to its parent's new LAN",
                metadata: ["device": d, "parent": parent, "subnet": subnet.description, "error": firstError?.description ?? "-"])
            await dhcp.containerStarted(d)
        }
    }

    /// Connects `v` of `device` to `network` with its persisted MAC (and `ip` for a static vNIC);
    /// updates `v`: attached (a DHCP vNIC's addresses cleared for its new lease), or detached with
    /// the engine's reason.
    private func connect(_ v: inout DeviceRecord.VNIC, device: String, to network: String, ip: IPv4?) async {
        var params: JSONObject = ["network": .string(network), "container": .string(device), "mac_address": .string(v.mac)]
        if let ip { params["ipv4_address"] = .string(ip.description) }
        do throws(RuntimeError) {
            _ = try await engine.call("network.connect", params)
            v.network = network
            v.detached = nil
            if v.mode == "dhcp" {
                v.ip = nil
                v.leasedIP = nil
            }
        } catch {
            v.detached = RuntimeError(error.code, "\(v.name): could not connect to \(network): \(error.message)")
        }
    }

    /// Journals a step of a re-attach; a failed write is logged and counted (`store_failed`), and
    /// the move goes on: its vNICs are already being moved, and its end is written with `finish`.
    private func journalStep(_ op: inout OperationRecord, _ name: String) async {
        do throws(RuntimeError) { try await journal.step(&op, name) } catch {
            store.storeFailed(error, during: "re-attach journal (\(name))", device: op.deviceID, outcome: "the move goes on unjournaled")
        }
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The network work of a running vPLC's container, through the netmon sidecar: after every
/// start its persisted MACs go back on their links, its DHCP clients start for the new PID (with
/// the address each vNIC holds) and its dedicated NIC moves in; before it goes away its clients
/// stop. Keeps the leases the sidecar reports, and re-checks all of it periodically and when the
/// sidecar reconnects. Every call is idempotent in the sidecar.
///
/// Owns: the ``LeaseTable``.
final class DHCPCoordinator: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let netmon: any NetmonClient
    let store: RuntimeStore
    let dedicatedNIC: DedicatedNIC
    let announcer: AddressAnnouncer
    /// WiFi vNICs' proxy-ARP bridges.
    let wifi: WifiUplinks
    /// Whether an operation of the device is queued or running (it then owns the dedicated NIC).
    let isBusy: @Sendable (String) async -> Bool
    private let leases = LeaseTable()

    init(
        host: PluginHost, engine: any ContainerEngine, netmon: any NetmonClient, store: RuntimeStore, dedicatedNIC: DedicatedNIC,
        announcer: AddressAnnouncer, wifi: WifiUplinks, isBusy: @escaping @Sendable (String) async -> Bool
    ) {
        self.wifi = wifi
        self.host = host
        self.engine = engine
        self.netmon = netmon
        self.store = store
        self.dedicatedNIC = dedicatedNIC
        self.announcer = announcer
        self.isBusy = isBusy
    }

    // MARK: leases

    /// Keeps a lease the sidecar reported (`dhcp_update`); a bound address that is new for the
    /// vNIC is announced on the LAN (in the background: the event stream goes on).
    func record(_ lease: DHCPLease) async {
        let before = await leases.leases(lease.device)[lease.vnic]
        await leases.set(lease)
        if let config = lease.proxyARP { wifi.remember(lease.device, vnic: lease.vnic, config) }
        guard lease.isBound, let ip = lease.ip, before?.isBound != true || before?.ip != ip else { return }
        // The client's PID and MAC as started: no engine call between the lease and the
        // announcement (the LAN host's next ARP retry is a second away).
        if let client = await leases.client(lease.device, lease.vnic) {
            Task { [self] in await announcer.announce(device: lease.device, vnic: lease.vnic, pid: client.pid, mac: client.mac, ip: ip) }
            return
        }
        Task { [self] in
            // harmless: a vPLC that cannot be inspected now is not announced; its neighbours learn it when their entry ages
            guard let inspect = try? await engine.inspect(lease.device), let pid = inspect["state"]?.objectValue?["pid"]?.numberValue,
                pid > 0, let v = vnics(of: lease.device, inspect: inspect).first(where: { $0.name == lease.vnic })
            else { return }
            // The vNIC's persisted MAC first: after a re-attach Docker (API < 1.44 cannot set an
            // endpoint's MAC) reports the MAC it made, which the sidecar has already replaced.
            let docker = inspect["networks"]?.objectValue?[v.network]?.objectValue?["mac_address"]?.stringValue
            let mac = v.mac.isEmpty ? docker ?? "" : v.mac
            await announcer.announce(device: lease.device, vnic: lease.vnic, pid: pid, mac: mac, ip: ip)
        }
    }

    /// The leases of `device` by vNIC name (for `get_device_status`).
    func leases(of device: String) async -> [String: DHCPLease] { await leases.leases(device) }

    /// Reads the leases the sidecar holds now (`get_dhcp_status`); a failure is logged and the
    /// leases known stay.
    func refreshLeases() async {
        let reply: JSONObject
        do throws(RuntimeError) { reply = try await netmon.command("get_dhcp_status", [:]) } catch {
            // The leases known stay; events (`dhcp_update`) and the next check bring new ones.
            host.log(.warning, "could not read the DHCP leases", metadata: ["code": error.code, "error": error.message])
            return
        }
        for c in reply["clients"]?.arrayValue ?? [] {
            if let o = c.objectValue, let lease = DHCPLease(update: o, now: WallClock.iso(WallClock.now())) {
                await leases.set(lease)
            }
        }
    }

    // MARK: a container started

    /// Runs when a vPLC's container (re)started (engine `start` event, a re-attach, or the
    /// sidecar reconnecting): puts each vNIC's persisted MAC back on its link (the engine derives
    /// MACs on reconnects below API 1.44) and starts the DHCP client of every DHCP vNIC for the
    /// container's new PID. Idempotent: the sidecar keeps a client that already runs for that PID.
    /// Nothing without a listener or a running container; failures are logged (a failed client
    /// start is kept as a `leasefail` lease, which status shows).
    func containerStarted(_ device: String) async {
        guard netmon.isAvailable else { return }
        let found: JSONObject?
        do throws(RuntimeError) { found = try await engine.inspect(device) } catch {
            host.log(
                .warning, "could not inspect a started vPLC: its MACs and DHCP clients wait for the periodic check",
                metadata: ["code": error.code, "device": device, "error": error.message])
            return
        }
        guard let inspect = found, let state = inspect["state"]?.objectValue, state["running"]?.boolValue == true,
            let pid = state["pid"]?.numberValue, pid > 0
        else { return }
        // While an operation of the device is queued or running it owns the dedicated NIC: a
        // planned stop or restart gives the NIC back to the host before the container goes, and
        // a move from here meanwhile (an engine event, the sidecar's resync, the periodic check,
        // with an inspect taken before the restart) put it back into the old namespace, where a
        // virtual NIC dies with it (seen in the lab: ded0 lost on restart). Operations that
        // start the container call this again once they have ended.
        if let nic = dedicatedNIC.name(of: device, inspect: inspect), !(await isBusy(device)) {
            await dedicatedNIC.attach(device, nic: nic, pid: pid)
        }
        let endpoints = inspect["networks"]?.objectValue ?? [:]
        let known = await leases.leases(device)
        var spec: JSONObject? = nil
        if case .success(let r?) = store.recordForPass(device, "wifi_spec") { spec = r.spec }
        for v in vnics(of: device, inspect: inspect) where v.detached == nil {
            if v.isWifi {
                await wifi.attach(device, pid: pid, vnic: v, spec: spec)
                continue
            }
            guard let endpoint = endpoints[v.network]?.objectValue else { continue }
            var mac = endpoint["mac_address"]?.stringValue ?? ""
            if !v.mac.isEmpty, !mac.isEmpty, mac.lowercased() != v.mac.lowercased() {
                do {
                    _ = try await netmon.command(
                        "set_link_mac", ["container_pid": .number(pid), "current_mac": .string(mac), "mac_address": .string(v.mac)])
                    mac = v.mac
                } catch {
                    host.log(.warning, "could not restore a vNIC's MAC", metadata: ["device": device, "vnic": v.name, "error": error.description])
                }
            }
            if v.mode == "static", let ip = v.ip {
                await announcer.announce(device: device, vnic: v.name, pid: pid, mac: mac, ip: ip)
            }
            guard v.mode == "dhcp" else { continue }
            var params: JSONObject = [
                "container_name": .string(device), "vnic_name": .string(v.name), "mac_address": .string(mac),
                "container_pid": .number(pid),
            ]
            // The address the vNIC holds now, so that a new client keeps it: the lease the sidecar
            // last reported, else one taken over with the vPLC.
            if let ip = known[v.name].flatMap({ $0.isBound ? $0.ip : nil }) ?? v.leasedIP { params["requested_ip"] = .string(ip) }
            do {
                _ = try await netmon.command("start_dhcp", params)
                await leases.started(device, v.name, LeaseTable.Client(pid: pid, mac: mac))
            } catch {
                host.log(.warning, "DHCP client not started", metadata: ["device": device, "vnic": v.name, "error": error.description])
                let failed: JSONObject = [
                    "container_name": .string(device), "vnic_name": .string(v.name), "event": "leasefail",
                    "error": .string("\(error.code): \(error.message)"),
                ]
                if let lease = DHCPLease(update: failed, now: WallClock.iso(WallClock.now())) { await leases.set(lease) }
            }
        }
    }

    /// The vNICs of `device`: from its record, or (while its create is still running) from the
    /// labels and the request stored on the container.
    /// A record that cannot be read gives none (logged): the periodic check tries again.
    func vnics(of device: String, inspect: JSONObject) -> [DeviceRecord.VNIC] {
        switch store.recordForPass(device, "vnic_restore") {
        case .success(let record?): return record.vnics
        case .failure: return []
        case .success(nil): break
        }
        let labels = inspect["labels"]?.objectValue ?? [:]
        let endpoints = inspect["networks"]?.objectValue ?? [:]
        // harmless: no readable spec label (not made by a create of this agent) means no vNICs to restore
        guard let text = labels["io.autonomy.spec.json"]?.stringValue, let json = try? JSONParser.parse(text).objectValue,
            let spec = try? DeviceSpec(stored: json)  // harmless: as above
        else { return [] }
        return spec.vnics.map { v in
            let network = labels[Naming.vnicLabelPrefix + v.name]?.stringValue ?? ""
            let isWifi = network == Naming.wifiNetwork(parent: v.parentInterface, vnic: v.name)
            let mac = isWifi ? "" : endpoints[network]?.objectValue?["mac_address"]?.stringValue ?? v.mac ?? ""
            var vnic = DeviceRecord.VNIC(
                name: v.name, network: network, parent: v.parentInterface, mode: v.mode.rawValue, mac: mac, ip: v.ip?.description)
            if isWifi { vnic.method = Naming.proxyARPMethod }
            return vnic
        }
    }

    // MARK: stopping, renewing

    /// Stops the DHCP clients of a vPLC (before its container goes away) and forgets its leases.
    /// A failure other than "no listener" is logged.
    func stop(_ device: String, vnics: [DeviceRecord.VNIC]) async {
        for v in vnics where v.mode == "dhcp" {
            do {
                _ = try await netmon.command("stop_dhcp", ["container_name": .string(device), "vnic_name": .string(v.name)])
            } catch where error.code != "netmon_unavailable" {
                host.log(.warning, "could not stop a DHCP client", metadata: ["device": device, "vnic": v.name, "error": error.description])
            } catch {}
        }
        await leases.forget(device)
    }

    /// After a parent came back up on the same LAN: DHCP clients ask again at once.
    func renew(parent: String) async {
        guard let records = store.recordsForPass("dhcp_renew") else { return }
        for r in records where r.desired == .running {
            for v in r.vnics where v.parent == parent && v.mode == "dhcp" && v.detached == nil {
                do {
                    _ = try await netmon.command("renew_dhcp", ["container_name": .string(r.deviceID), "vnic_name": .string(v.name)])
                } catch {
                    // The client renews by itself at its lease time; the periodic check restarts a lost one.
                    host.log(
                        .warning, "could not ask a DHCP client to renew",
                        metadata: ["code": error.code, "device": r.deviceID, "vnic": v.name, "error": error.message])
                }
            }
        }
    }

    // MARK: periodic and on reconnect

    /// The periodic check: a running vPLC with a DHCP vNIC that holds no lease, a static WiFi vNIC
    /// without its bridge, or a dedicated NIC gets its start-up network work again (idempotent in
    /// the sidecar).
    func checkClients() async {
        guard netmon.isAvailable, let records = store.recordsForPass("network_clients_check") else { return }
        var refreshed = false
        for r in records where r.desired == .running {
            func unleased() async -> Bool {
                let known = await leases.leases(r.deviceID)
                return r.vnics.contains { $0.mode == "dhcp" && $0.detached == nil && !(known[$0.name]?.isBound ?? false) }
            }
            if !refreshed, await unleased() {
                await refreshLeases()
                refreshed = true
            }
            let unleased = await unleased()
            let unbridged = r.vnics.contains { $0.isWifi && $0.mode == "static" && $0.detached == nil && $0.proxyARP == nil }
            if unleased || unbridged || r.spec["dedicated_interface"]?.stringValue != nil { await containerStarted(r.deviceID) }
        }
    }

    /// The sidecar (re)connected: learn the leases it holds, then make sure every running vPLC
    /// has its MACs and DHCP clients (a restarted sidecar has none).
    func resync() async {
        await refreshLeases()
        guard let records = store.recordsForPass("dhcp_resync") else { return }
        for r in records where r.desired == .running {
            await containerStarted(r.deviceID)
        }
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// vNICs whose parent is a WiFi interface (docs/networking.md, "WiFi uplinks"): most access
/// points drop frames from MACs that did not associate, so such a vNIC is never a MACVLAN. The
/// netmon sidecar builds a proxy-ARP bridge instead (a veth pair into the container, proxy ARP
/// and a /32 route on the host, the host's WiFi MAC answering for the vPLC's address). Static:
/// `setup_proxy_arp_bridge` after every start (each start is a new namespace); DHCP:
/// `request_wifi_dhcp` (the sidecar builds the bridge when the lease arrives). The bridge as
/// built is kept in the device record. Owns no state.
struct WifiUplinks: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let netmon: any NetmonClient
    let store: RuntimeStore

    /// Builds (or asks the lease for) the bridge of WiFi vNIC `v` of a running container `pid`.
    /// Failures are logged (the vPLC runs; status shows no address; the periodic check or the
    /// next start tries again).
    func attach(_ device: String, pid: Double, vnic v: DeviceRecord.VNIC, spec: JSONObject?) async {
        guard netmon.isAvailable else { return }
        let vnicSpec = spec.flatMap { s in (s["vnic_configs"]?.arrayValue ?? []).compactMap(\.objectValue).first { $0["name"]?.stringValue == v.name } }
        if v.mode == "dhcp" {
            do throws(RuntimeError) {
                _ = try await netmon.command(
                    "request_wifi_dhcp",
                    [
                        "container_name": .string(device), "vnic_name": .string(v.name), "parent_interface": .string(v.parent),
                        "container_pid": .number(pid), "client_id": .string("\(device):\(v.name)"),
                    ])
            } catch {
                host.log(.warning, "WiFi DHCP not requested", metadata: ["device": device, "vnic": v.name, "code": error.code, "error": error.message])
            }
            return
        }
        guard let ip = v.ip ?? vnicSpec?["ip"]?.stringValue else { return }
        let lan = await netmon.lan(of: v.parent)
        let subnet = vnicSpec?["subnet"]?.stringValue.flatMap { IPv4Network(cidr: $0) } ?? lan?.0
        let gateway = vnicSpec?["gateway"]?.stringValue ?? lan?.1?.description ?? v.proxyARP?.gateway
        await setup(device, vnic: v, ip: ip, prefix: subnet?.prefix ?? v.proxyARP?.prefix ?? 24, gateway: gateway, pid: pid)
    }

    /// `setup_proxy_arp_bridge` and the record's `proxy_arp_config`.
    func setup(_ device: String, vnic v: DeviceRecord.VNIC, ip: String, prefix: Int, gateway: String?, pid: Double) async {
        var fields: JSONObject = [
            "container_name": .string(device), "vnic_name": .string(v.name), "container_pid": .number(pid),
            "parent_interface": .string(v.parent), "ip_address": .string(ip), "subnet_mask": .number(Double(prefix)),
        ]
        if let gateway { fields["gateway"] = .string(gateway) }
        if let old = v.proxyARP?.vethHost { fields["veth_host"] = .string(old) }
        do throws(RuntimeError) {
            let reply = try await netmon.command("setup_proxy_arp_bridge", fields)
            guard let config = reply["proxy_arp_config"]?.objectValue.flatMap(ProxyARPConfig.init(json:)) else {
                host.log(.warning, "the sidecar built a WiFi bridge but sent no usable proxy_arp_config", metadata: ["device": device, "vnic": v.name])
                return
            }
            host.log(.info, "WiFi proxy-ARP bridge ready", metadata: ["device": device, "vnic": v.name, "ip": ip, "veth": config.vethHost])
            remember(device, vnic: v.name, config)
        } catch {
            host.log(
                .error, "WiFi proxy-ARP bridge not built: the vPLC is not on its WiFi LAN",
                metadata: ["device": device, "vnic": v.name, "code": error.code, "error": error.message])
        }
    }

    /// Removes the bridges of `device`'s WiFi vNICs (before a stop, restart or delete: the
    /// proxy neighbour entry would outlive the container's namespace). Failures other than "no
    /// listener" and "no such bridge" are logged.
    func detach(_ device: String, vnics: [DeviceRecord.VNIC]) async {
        guard netmon.isAvailable else { return }
        for v in vnics where v.isWifi {
            var fields: JSONObject = ["container_name": .string(device), "vnic_name": .string(v.name)]
            if let c = v.proxyARP {
                fields["ip_address"] = .string(c.ip)
                fields["parent_interface"] = .string(c.parent)
                fields["veth_host"] = .string(c.vethHost)
            } else if let ip = v.ip {
                fields["ip_address"] = .string(ip)
                fields["parent_interface"] = .string(v.parent)
            }
            do throws(RuntimeError) {
                _ = try await netmon.command("cleanup_proxy_arp_bridge", fields)
            } catch where error.code == "bridge_not_found" || error.code == "netmon_unavailable" {
            } catch {
                host.log(.warning, "WiFi proxy-ARP bridge not removed", metadata: ["device": device, "vnic": v.name, "code": error.code, "error": error.message])
            }
        }
    }

    /// Self-destruct's `cleaning_proxy_arp`: every bridge the sidecar made.
    /// - Returns: how many host veths went (nil without a listener).
    func cleanupAll() async throws(RuntimeError) -> Int? {
        guard netmon.isAvailable else { return nil }
        let reply = try await netmon.command("cleanup_all_proxy_arp", [:])
        return reply["veths_removed"]?.numberValue.map { Int($0) }
    }

    /// Keeps `config` as the vNIC's `proxy_arp_config` in the record, without losing a change
    /// another task wrote meanwhile (the store's compare-and-swap; no record yet: the create's own
    /// record is written after the start and the next start or lease records it). A store
    /// failure is logged.
    func remember(_ device: String, vnic: String, _ config: ProxyARPConfig) {
        do throws(RuntimeError) {
            try store.update(device) { record in
                guard let i = record.vnics.firstIndex(where: { $0.name == vnic }), record.vnics[i].proxyARP != config else { return false }
                record.vnics[i].proxyARP = config
                return true
            }
        } catch {
            host.log(.warning, "could not record a WiFi bridge", metadata: ["device": device, "vnic": vnic, "code": error.code, "error": error.message])
        }
    }

    /// A WiFi parent is up on `subnet` (spec §7.5): each running vPLC's WiFi vNIC on it whose
    /// bridge is on another parent, whose address left the subnet or (static) whose gateway is not
    /// the one it should have now gets its bridge built again — static: the same address with
    /// the vNIC's gateway, else the LAN's; DHCP: a new client, so a new lease. A vNIC without a
    /// bridge yet is left to the start-up work and the periodic check (``DHCPCoordinator``).
    func follow(parent: String, subnet: IPv4Network, gateway: IPv4?) async {
        guard netmon.isAvailable, let records = store.recordsForPass("wifi_follow") else { return }
        for r in records where r.desired == .running {
            let specs = (r.spec["vnic_configs"]?.arrayValue ?? []).compactMap(\.objectValue)
            for v in r.vnics where v.isWifi && v.parent == parent {
                let wanted = specs.first { $0["name"]?.stringValue == v.name }?["gateway"]?.stringValue ?? gateway?.description
                if let c = v.proxyARP, c.parent == parent, let ip = IPv4(c.ip), subnet.contains(ip), v.mode == "dhcp" || c.gateway == wanted {
                    continue
                }
                if v.proxyARP == nil { continue }
                // harmless: a vPLC that cannot be inspected now is followed at the next change or check
                guard let inspect = try? await engine.inspect(r.deviceID), let state = inspect["state"]?.objectValue,
                    state["running"]?.boolValue == true, let pid = state["pid"]?.numberValue, pid > 0
                else { continue }
                host.log(.notice, "WiFi LAN changed: rebuilding the vPLC's bridge", metadata: ["device": r.deviceID, "vnic": v.name, "subnet": "\(subnet)"])
                await detach(r.deviceID, vnics: [v])
                if v.mode == "dhcp" {
                    do throws(RuntimeError) {
                        _ = try await netmon.command("stop_dhcp", ["container_name": .string(r.deviceID), "vnic_name": .string(v.name)])
                    } catch {
                        host.log(.warning, "WiFi DHCP client not stopped before a new lease", metadata: ["device": r.deviceID, "code": error.code])
                    }
                    await attach(r.deviceID, pid: pid, vnic: v, spec: r.spec)
                } else if let ip = v.ip {
                    await setup(r.deviceID, vnic: v, ip: ip, prefix: subnet.prefix, gateway: wanted, pid: pid)
                }
            }
        }
    }
}

extension NetmonClient {
    /// Which of `parents` the listener's cache calls `wifi` (spec §7.1); none without a listener
    /// or when it cannot answer (logged by the caller's later steps: those parents are then
    /// treated as Ethernet, as upstream did).
    func wifiParents(_ parents: [String]) async -> Set<String> {
        // harmless: without the table no parent is known to be WiFi (upstream's default: ethernet)
        guard !parents.isEmpty, let table = try? await interfaceTable() else { return [] }
        var out = Set<String>()
        for e in (table["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue) {
            if let name = e["interface"]?.stringValue ?? e["name"]?.stringValue, parents.contains(name), e["type"]?.stringValue == "wifi" {
                out.insert(name)
            }
        }
        return out
    }
}

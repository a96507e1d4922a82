import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Makes the LAN learn a vPLC's address at once, through the netmon sidecar
/// (docs/networking.md, "Address announcements"): gratuitous ARP whenever an address appears on
/// a LAN vNIC (a start with a static address, a DHCP bind, a re-attach), and, before a static
/// address is claimed, the RFC 5227 probe that refuses an address another host holds.
///
/// Settings: `announce_addresses` and `probe_addresses` (both on by default). Without a listener,
/// or with a sidecar that predates the commands, both do nothing (logged).
struct AddressAnnouncer: Sendable {
    let host: PluginHost
    let netmon: any NetmonClient
    let announcing: Bool
    let probing: Bool

    /// Announces `ip` from the vNIC with `mac` in the namespace of `pid` (best effort: a failure
    /// is logged, the vPLC runs either way).
    func announce(device: String, vnic: String, pid: Double, mac: String, ip: String) async {
        guard announcing, netmon.isAvailable, !mac.isEmpty else { return }
        do throws(RuntimeError) {
            _ = try await netmon.command(
                "announce_address", ["container_pid": .number(pid), "mac_address": .string(mac), "ip_address": .string(ip)])
            host.log(.debug, "address announced", metadata: ["device": device, "vnic": vnic, "ip": ip, "mac": mac])
        } catch {
            host.log(
                .warning, "address not announced: LAN hosts learn it when their entry ages",
                metadata: ["device": device, "vnic": vnic, "ip": ip, "code": error.code, "error": error.message])
        }
    }

    /// Refuses a static address another host on the LAN answers for: `address_in_use`, naming
    /// the MAC that holds it and the vNIC's field. Nothing is refused when the probe cannot run.
    func checkFree(_ spec: DeviceSpec) async throws(RuntimeError) {
        guard probing, netmon.isAvailable else { return }
        for (i, v) in spec.vnics.enumerated() where v.mode == .staticIP {
            guard let ip = v.ip else { continue }
            let reply: JSONObject
            do throws(RuntimeError) {
                reply = try await netmon.command("probe_address", ["interface": .string(v.parentInterface), "ip_address": .string(ip.description)])
            } catch {
                host.log(
                    .warning, "address not probed before the create",
                    metadata: ["device": spec.deviceID, "ip": ip.description, "code": error.code, "error": error.message])
                continue
            }
            guard reply["in_use"]?.boolValue == true else { continue }
            let holder = reply["mac_address"]?.stringValue ?? "another host"
            throw RuntimeError(
                "address_in_use",
                "\(ip) is already in use on the LAN of \(v.parentInterface) by \(holder); choose another address or free it",
                field: "vnic_configs[\(i)].ip")
        }
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

/// WiFi uplinks and dedicated NICs with the real agent, the real sidecar and dnsmasq on the lab
/// LAN (docs/networking.md, "WiFi uplinks"). The lab cannot make a wireless device: its LAN
/// parent (a veth) is marked wireless by a prepared sysfs folder (`--sysfs-root`), which is all
/// the sidecar's type rule reads; the proxy-ARP path itself is the same on a veth as on WiFi.
extension VPLCLab {
@Suite("WiFi uplinks and dedicated NICs on the lab LAN")
struct Wifi {
    @Test("a static and a DHCP vPLC on a WiFi parent are reached by the LAN host through proxy ARP; delete leaves nothing; a dedicated NIC is one vPLC's")
    func wifiAndDedicated() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("wifi") }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        let parent = lab.parentInterface
        let sysfs = NSTemporaryDirectory() + "wifi-sysfs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(sysfs)/class/net/\(parent)/wireless", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sysfs) }
        _ = try await DockerLab.blocking {
            try lab.run(["ip", "-n", lab.labNamespace, "link", "add", "ded0", "type", "veth", "peer", "name", "vded0", "netns", lab.lanNamespace])
        }
        let h = try await VPLCHarness(lab: lab, netmon: true, sidecarArguments: ["--sysfs-root", sysfs])
        defer { h.stop() }
        try await waitHostInterface(h, parent) { $0["subnet"] == "192.168.77.0/24" }
        try await waitHostInterface(h, "ded0") { _ in true }
        let parentMAC = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["cat", "/sys/class/net/\(parent)/address"]).stdout }
            .trimmingCharacters(in: .whitespacesAndNewlines)

        // Static: the bridge is built after the start; the LAN host reaches the runtime's API.
        let ip = lab.lanAddress(151)
        let staticDevice = uniqueDevice("wifis")
        let created = try await h.operate("create_new_runtime", [
            "container_name": .string(staticDevice),
            "vnic_configs": [["name": "wl", "parent_interface": .string(parent), "network_mode": "static", "ip": .string(ip)]],
        ])
        #expect(created.end["status"] == "succeeded", "\(created.end)")
        let staticDone = ContinuousClock.now
        let pseudo = "wifi_\(parent)_wl"
        let status = try await h.waitStatus(staticDevice) { $0["networks"]?.objectValue?[pseudo] != nil && $0["vnics"]?.arrayValue?.first?.objectValue?["state"] == "attached" }
        let net = status["networks"]?.objectValue ?? [:]
        #expect(net[pseudo]?.objectValue == ["ip_address": .string(ip), "mac_address": .null, "gateway": .string(lab.lanGateway)], "\(status)")
        #expect(!net.keys.contains { $0.hasPrefix("macvlan_") }, "never a MACVLAN on a WiFi parent: \(net)")
        #expect(try await lanFetch(lab, ip), "the LAN host reaches the static WiFi vPLC; agent log:\n\(h.agent.log.contents.suffix(3000))")
        print("wifi lab: the LAN host fetched the static WiFi vPLC's API \(ContinuousClock.now - staticDone) after the create ended")
        let neighbour = try await DockerLab.blocking { try lab.exec(inNamespace: lab.lanhostNamespace, ["ip", "neigh", "show", ip]).stdout }
        #expect(neighbour.contains(parentMAC), "the LAN sees the host's WiFi MAC for the vPLC: \(neighbour) vs \(parentMAC)")

        // A restart is a new namespace: the bridge is built again there, the LAN host still reaches it.
        let pidBefore = try await h.engineState(staticDevice)?["Pid"]?.numberValue
        #expect(try await h.operate("restart_device", ["device_id": .string(staticDevice)]).end["status"] == "succeeded")
        let restarted = ContinuousClock.now
        _ = try await h.waitStatus(staticDevice) { s in
            s["is_running"] == true && s["vnics"]?.arrayValue?.first?.objectValue?["state"] == "attached"
        }
        #expect(try await h.engineState(staticDevice)?["Pid"]?.numberValue != pidBefore)
        #expect(try await lanFetch(lab, ip), "the LAN host reaches the WiFi vPLC after its restart")
        print("wifi lab: the LAN host fetched the restarted WiFi vPLC's API \(ContinuousClock.now - restarted) after the restart ended")
        let proxiesNow = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "neigh", "show", "proxy"]).stdout }
        #expect(proxiesNow.split(separator: "\n").filter { $0.contains(ip + " ") }.count == 1, "one proxy entry for the address: \(proxiesNow)")

        // The sidecar killed and started again: the kernel kept the bridge; the agent's resync
        // asks again with the recorded host veth, which the new sidecar replaces (one veth, one entry).
        let sidecar = try #require(h.sidecar)
        try await DockerLab.blocking {
            sidecar.kill9()
            try sidecar.restart()
        }
        let rebuilt = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            sidecar.log.contents.contains("proxy-ARP bridge \(staticDevice):wl: veth-")
        }
        #expect(rebuilt, "the resync rebuilt the bridge; sidecar log:\n\(sidecar.log.contents.suffix(3000))")
        let vethsAfter = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "-o", "link", "show"]).stdout }
        #expect(vethsAfter.split(separator: "\n").filter { $0.contains(": veth-") }.count == 1, "\(vethsAfter)")
        #expect(try await lanFetch(lab, ip), "the LAN host reaches the WiFi vPLC after the sidecar's restart")

        // DHCP: a lease from dnsmasq through the WiFi parent, told apart by client-id <device>:<vnic>.
        let dhcpDevice = uniqueDevice("wifid")
        let dc = try await h.operate("create_new_runtime", [
            "container_name": .string(dhcpDevice),
            "vnic_configs": [["name": "wl", "parent_interface": .string(parent), "network_mode": "dhcp"]],
        ])
        #expect(dc.end["status"] == "succeeded", "\(dc.end)")
        let dhcpDone = ContinuousClock.now
        let leased = try await h.waitStatus(dhcpDevice, seconds: 30) { s in
            guard let a = s["networks"]?.objectValue?[pseudo]?.objectValue?["ip_address"]?.stringValue else { return false }
            return a.hasPrefix("192.168.77.1") && s["vnics"]?.arrayValue?.first?.objectValue?["state"] == "attached"
        }
        print("wifi lab: the DHCP WiFi vPLC's bridge was up with its lease \(ContinuousClock.now - dhcpDone) after the create ended")
        let dhcpIP = leased["networks"]?.objectValue?[pseudo]?.objectValue?["ip_address"]?.stringValue ?? ""
        #expect(!dhcpIP.isEmpty, "no lease: \(leased)\nsidecar log:\n\(h.sidecar?.log.contents.suffix(3000) ?? "")")
        let clientID = Array("\(dhcpDevice):wl".utf8).map { String(format: "%02x", $0) }.joined(separator: ":")
        #expect(lab.dhcpLeases.contains(clientID), "dnsmasq leased to the client id: \(lab.dhcpLeases)")
        if !dhcpIP.isEmpty { #expect(try await lanFetch(lab, dhcpIP), "the LAN host reaches the DHCP WiFi vPLC") }

        // A dedicated NIC: dedicated_to in get_host_interfaces; a second vPLC's claim is refused before the ack.
        let owner = uniqueDevice("dedo")
        let own = try await h.operate("create_new_runtime", ["container_name": .string(owner), "vnic_configs": [], "dedicated_interface": "ded0"])
        #expect(own.end["status"] == "succeeded", "\(own.end)")
        let moved = try await waitHostInterface(h, "ded0") { $0["dedicated_to"]?.stringValue == owner }
        #expect(moved["ipv4_addresses"]?.arrayValue?.isEmpty == true, "\(moved)")
        let thief = uniqueDevice("dedt")
        let refused = try await h.call("create_new_runtime", ["container_name": .string(thief), "vnic_configs": [], "dedicated_interface": "ded0"])
        #expect(refused["status"] == "error" && refused["code"] == "dedicated_interface_in_use" && refused["field"] == "dedicated_interface", "\(refused)")
        #expect(refused["operation_id"] == nil, "refused before the ack: nothing was accepted")
        let asParent = try await h.call("create_new_runtime", [
            "container_name": .string(thief), "vnic_configs": [["name": "l", "parent_interface": "ded0", "network_mode": "dhcp"]],
        ])
        #expect(asParent["code"] == "parent_is_dedicated" && asParent["field"] == "vnic_configs[0].parent_interface", "\(asParent)")
        try await h.expectNothingLeft(thief)

        // Delete: no veth, /32 route or proxy neighbour is left on the edge box.
        for d in [staticDevice, dhcpDevice, owner] { try await h.deleteExpectingNothingLeft(d) }
        let links = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "-o", "link", "show"]).stdout }
        #expect(!links.contains("veth-"), "\(links)")
        let proxies = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "neigh", "show", "proxy"]).stdout }
        #expect(!proxies.contains(ip) && (dhcpIP.isEmpty || !proxies.contains(dhcpIP)), "\(proxies)")
        let routes = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "route", "show", "proto", "static"]).stdout }
        #expect(!routes.contains(ip), "\(routes)")
        #expect(try await waitHostInterface(h, "ded0") { $0["dedicated_to"] == nil }["name"] == "ded0", "the NIC is the host's again")
        await h.shutdown()
    }
}
}

/// Polls `get_host_interfaces` until `name`'s entry satisfies `condition`.
@discardableResult
private func waitHostInterface(_ h: VPLCHarness, _ name: String, _ condition: @escaping (JSONObject) -> Bool) async throws -> JSONObject {
    var last: JSONObject = [:]
    let ok = try await h.cloud.waitUntil(seconds: 20) {
        let answer = try await h.call("get_host_interfaces", ["include_virtual": true])
        last = answer["interfaces"]?.arrayValue?.compactMap(\.objectValue).first { $0["name"]?.stringValue == name } ?? [:]
        return last["name"] != nil && condition(last)
    }
    guard ok else { throw LabError("interface \(name) never matched; last: \(last)\nagent log:\n\(h.agent.log.contents.suffix(3000))") }
    return last
}

/// The LAN host fetches the runtime API at `ip` (https on 8443, self-signed), retrying a few seconds.
private func lanFetch(_ lab: DockerLab, _ ip: String) async throws -> Bool {
    let r = try await DockerLab.blocking {
        try lab.exec(
            inNamespace: lab.lanhostNamespace,
            ["curl", "-sfk", "-m", "2", "--retry", "15", "--retry-all-errors", "--retry-delay", "1", "https://\(ip):8443/api/version"], timeout: 60)
    }
    return r.succeeded
}

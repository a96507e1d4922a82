import AgentJSON
import Foundation
import LabSupport
import Testing

/// The host network under the vPLCs: the real netmon sidecar (rtnetlink, udhcpc), dnsmasq on the
/// lab LAN, and the lab LAN renumbered under running vPLCs. Each test has a lab of its own (it
/// renumbers the LAN and takes the MACVLAN parent). Both tests (DHCP and the network move; the
/// sidecar, links and a dedicated NIC) run on Docker and on Podman from one definition each.
extension VPLCLab {
@Suite("host network: DHCP, renumbering, netmon")
struct Network {
    @Test(
        "a DHCP vPLC and a static vPLC survive two renumberings of the LAN; restart and delete are followed by the DHCP client",
        arguments: LabEngine.allCases)
    func renumbering(engine: LabEngine) async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("renum", engine: engine) }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }
        let parent = lab.parentInterface

        // The listener knows the parent's LAN (the static vNIC below gives no subnet or gateway).
        let eth = try await waitInterface(h, parent) { $0["subnet"] == "192.168.77.0/24" }
        #expect(eth["gateway"] == "192.168.77.1" && eth["mac_address"]?.stringValue?.count == 17, "\(eth)")

        let fixed = uniqueDevice("static"), leased = uniqueDevice("dhcp")
        let s = try await h.operate("create_new_runtime", request(fixed, parent: parent, mode: "static", ip: "192.168.77.10"))
        #expect(s.end["status"] == "succeeded", "\(s.end)")
        let d = try await h.operate("create_new_runtime", request(leased, parent: parent, mode: "dhcp"))
        #expect(d.end["status"] == "succeeded", "\(d.end)")

        // The lease from dnsmasq is what get_device_status shows, and the LAN reaches it there.
        let first = try await waitLease(h, leased) { inPool($0, "192.168.77.") }
        let mac = try #require(first["mac_address"]?.stringValue)
        #expect(lab.dhcpLeases.contains(mac), "dnsmasq leased to the persisted MAC \(mac): \(lab.dhcpLeases)")
        #expect(try await reachable(lab, try #require(first["ip_address"]?.stringValue)))
        #expect(try await reachable(lab, "192.168.77.10"))
        // The engine's own address for the DHCP vNIC comes from the reserved top /28, not the pool.
        let netName = try #require(first["network"]?.stringValue)
        if engine == .docker {
            let net = try await lab.engineAPI("GET", "/networks/\(netName)")
            #expect(net.json?.objectValue?["IPAM"]?.objectValue?["Config"]?.arrayValue?.first?.objectValue?["IPRange"] == "192.168.77.240/28")
        } else {
            let net = try await lab.engineAPI("GET", "/v4.0.0/libpod/networks/\(netName)/json")
            let lease = net.json?.objectValue?["subnets"]?.arrayValue?.first?.objectValue?["lease_range"]?.objectValue
            #expect(lease == ["start_ip": "192.168.77.240", "end_ip": "192.168.77.254"], "\(String(describing: net.json))")
        }
        let staticMAC = try await waitVNIC(h, fixed) { $0["state"] == "attached" }["mac_address"]
        let startedBefore = try await startTimes(h, [fixed, leased])

        // 1. A wider subnet that still holds the static address: both move, the static keeps .10.
        try await DockerLab.blocking { try lab.renumber(to: "192.168.76.0/23") }
        let moved = try await waitVNIC(h, fixed) { $0["state"] == "attached" && ($0["network"]?.stringValue ?? "").contains("192.168.76.0_23") }
        #expect(moved["ip_address"] == "192.168.77.10" && moved["mac_address"] == staticMAC, "\(moved)")
        let second = try await waitLease(h, leased) { inPool($0, "192.168.76.") }
        #expect(second["mac_address"]?.stringValue == mac, "the DHCP vNIC kept its MAC: \(second)")
        #expect(try await reachable(lab, "192.168.77.10"), "static vPLC reachable on the renumbered LAN")
        #expect(try await reachable(lab, try #require(second["ip_address"]?.stringValue)), "DHCP vPLC reachable on its new lease")
        let reattaches = try await h.updates().filter { $0["operation"] == "reattach" }
        #expect(reattaches.contains { $0["device_id"]?.stringValue == fixed && $0["status"] == "succeeded" }, "\(reattaches)")
        #expect(reattaches.contains { $0["device_id"]?.stringValue == leased && $0["status"] == "succeeded" }, "\(reattaches)")

        // 2. A subnet the static address does not fit: it is reported detached, the DHCP one moves.
        try await DockerLab.blocking { try lab.renumber(to: "10.77.0.0/24") }
        let detached = try await waitVNIC(h, fixed) { $0["state"] == "detached" }
        #expect(detached["reason"]?.objectValue?["code"] == "subnet_mismatch", "\(detached)")
        let third = try await waitLease(h, leased) { inPool($0, "10.77.0.") }
        #expect(try await reachable(lab, try #require(third["ip_address"]?.stringValue)))
        let failed = try await h.updates().filter { $0["operation"] == "reattach" && $0["device_id"]?.stringValue == fixed && $0["status"] == "failed" }
        #expect(failed.first?["code"] == "subnet_mismatch", "operation_update tells the cloud: \(failed)")
        #expect(try await startTimes(h, [fixed, leased]) == startedBefore, "no PLC was restarted by any of this")

        // 3. The container restarts (new PID): its DHCP client follows.
        let key = "\(leased):lan"
        let clientsBefore = dhcpClients(key: key)
        #expect(clientsBefore.count == 1, "one DHCP client for \(key): \(clientsBefore)")
        let r = try await h.operate("restart_device", ["device_id": .string(leased)])
        #expect(r.end["status"] == "succeeded", "\(r.end)")
        let afterRestart = try await waitClients(key) { $0.count == 1 && $0 != clientsBefore }
        #expect(afterRestart.count == 1 && afterRestart != clientsBefore, "a new client for the new PID: \(clientsBefore) -> \(afterRestart)")
        let fourth = try await waitLease(h, leased) { inPool($0, "10.77.0.") }
        #expect(try await reachable(lab, try #require(fourth["ip_address"]?.stringValue)))

        // 4. Delete stops the client.
        try await h.deleteExpectingNothingLeft(leased)
        #expect(try await waitClients(key) { $0.isEmpty }.isEmpty, "no DHCP client left for the deleted vPLC")
        try await h.deleteExpectingNothingLeft(fixed)
        await h.shutdown()
    }

    @Test("the sidecar killed and restarted under a running agent; the parent going down and up; a dedicated NIC", arguments: LabEngine.allCases)
    func sidecarAndLinks(engine: LabEngine) async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("links", engine: engine) }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        // A spare NIC for the dedicated-NIC vPLC (a veth whose peer sits on the LAN switch).
        _ = try await DockerLab.blocking {
            try lab.run(["ip", "-n", lab.labNamespace, "link", "add", "ded0", "type", "veth", "peer", "name", "vded0", "netns", lab.lanNamespace])
        }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }
        let sidecar = try #require(h.sidecar)
        let parent = lab.parentInterface
        _ = try await waitInterface(h, parent) { $0["subnet"] == "192.168.77.0/24" }

        let device = uniqueDevice("dhcpk")
        var req = request(device, parent: parent, mode: "dhcp")
        req["dedicated_interface"] = "ded0"
        let c = try await h.operate("create_new_runtime", req)
        #expect(c.end["status"] == "succeeded", "\(c.end)")
        let lease = try await waitLease(h, device) { inPool($0, "192.168.77.") }
        #expect(try await nicInContainer(h, device, "ded0"), "the dedicated NIC is inside the vPLC")

        // Sidecar SIGKILLed: its DHCP client must not outlive it as a duplicate; after the
        // restart the listener reconnects, the agent resyncs, and the vPLC holds a lease again.
        let before = dhcpClients(key: "\(device):lan")
        #expect(before.count == 1, "one DHCP client before the kill: \(before)")
        try await DockerLab.blocking { sidecar.kill9() }
        #expect(dhcpClients(key: "\(device):lan") == before, "the orphaned client outlives the killed sidecar")
        try await DockerLab.blocking { try sidecar.restart() }
        let again = try await waitLease(h, device, seconds: 30) { inPool($0, "192.168.77.") && $0["dhcp"]?.objectValue?["updated_at"] != lease["dhcp"]?.objectValue?["updated_at"] }
        let clients = try await waitClients("\(device):lan") { $0.count == 1 && $0 != before }
        #expect(clients.count == 1 && clients != before, "exactly one, new, DHCP client after the sidecar restart: \(before) -> \(clients)")
        #expect(try await reachable(lab, try #require(again["ip_address"]?.stringValue)))

        // The parent goes down and comes back: the vPLC is reachable again.
        _ = try await DockerLab.blocking { try lab.run(["ip", "-n", lab.labNamespace, "link", "set", parent, "down"]) }
        _ = try await waitInterface(h, parent) { $0["ipv4_addresses"]?.arrayValue?.isEmpty ?? true }
        _ = try await DockerLab.blocking { try lab.run(["ip", "-n", lab.labNamespace, "link", "set", parent, "up"]) }
        _ = try await waitInterface(h, parent) { $0["subnet"] == "192.168.77.0/24" }
        #expect(try await reachable(lab, try #require(again["ip_address"]?.stringValue)), "reachable after the parent came back")

        // A planned restart gives the dedicated NIC back and moves it into the new namespace.
        let r = try await h.operate("restart_device", ["device_id": .string(device)])
        #expect(r.end["status"] == "succeeded", "\(r.end)")
        #expect(
            try await nicInContainer(h, device, "ded0"),
            "the dedicated NIC follows the restart; agent log:\n\(h.agent.log.contents.suffix(6000))")
        let stop = try await h.operate("stop_device", ["device_id": .string(device)])
        #expect(stop.end["status"] == "succeeded", "\(stop.end)")
        let home = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "link", "show", "ded0"]) }
        #expect(home.succeeded, "stop_device returned ded0 to the host: \(home.stderr)")
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }
}
}

// MARK: helpers

private func request(_ device: String, parent: String, mode: String, ip: String? = nil) -> JSONObject {
    var vnic: JSONObject = ["name": "lan", "parent_interface": .string(parent), "network_mode": .string(mode)]
    if let ip { vnic["ip"] = .string(ip) }
    return ["container_name": .string(device), "vnic_configs": [.object(vnic)]]
}

/// True when a vNIC status shows a bound lease whose address starts with `prefix` and lies in
/// the lab pool (.100–.120).
private func inPool(_ vnic: JSONObject, _ prefix: String) -> Bool {
    guard vnic["dhcp"]?.objectValue?["state"] == "bound", let ip = vnic["ip_address"]?.stringValue, ip.hasPrefix(prefix),
        let last = Int(ip.split(separator: ".").last ?? "")
    else { return false }
    return (100...120).contains(last)
}

/// Polls `get_host_interfaces` (through the cloud) until `parent`'s entry satisfies `condition`.
private func waitInterface(_ h: VPLCHarness, _ name: String, _ condition: @escaping (JSONObject) -> Bool) async throws -> JSONObject {
    var last: JSONObject = [:]
    let ok = try await h.cloud.waitUntil(seconds: 20) {
        let answer = try await h.call("get_host_interfaces", ["include_virtual": true])
        last = answer["interfaces"]?.arrayValue?.compactMap(\.objectValue).first { $0["name"]?.stringValue == name } ?? [:]
        return condition(last)
    }
    guard ok else { throw LabError("interface \(name) never matched; last: \(last)\nagent log:\n\(h.agent.log.contents.suffix(3000))") }
    return last
}

/// Polls `get_device_status` until the first vNIC satisfies `condition`; answers that vNIC.
private func waitVNIC(_ h: VPLCHarness, _ device: String, seconds: Double = 20, _ condition: @escaping (JSONObject) -> Bool) async throws -> JSONObject {
    let status = try await h.waitStatus(device, seconds: seconds) { s in
        s["vnics"]?.arrayValue?.first?.objectValue.map(condition) ?? false
    }
    guard let vnic = status["vnics"]?.arrayValue?.first?.objectValue, condition(vnic) else {
        throw LabError(
            "\(device)'s vNIC never matched; status: \(status)\nagent log:\n\(h.agent.log.contents.suffix(3000))\nsidecar log:\n\(h.sidecar?.log.contents.suffix(3000) ?? "-")")
    }
    return vnic
}

private func waitLease(_ h: VPLCHarness, _ device: String, seconds: Double = 20, _ condition: @escaping (JSONObject) -> Bool) async throws -> JSONObject {
    try await waitVNIC(h, device, seconds: seconds, condition)
}

/// The LAN host fetches the runtime API at `ip` over https on 8443 (self-signed, so `-k`),
/// retrying for a few seconds.
private func reachable(_ lab: DockerLab, _ ip: String) async throws -> Bool {
    let r = try await DockerLab.blocking {
        try lab.exec(
            inNamespace: lab.lanhostNamespace,
            ["curl", "-sfk", "-m", "1", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", "--retry-all-errors", "https://\(ip):8443/api/version"],
            timeout: 60)
    }
    return r.succeeded && r.stdout.contains("version")
}

/// Engine `StartedAt` of each container (changes only when a container (re)starts).
private func startTimes(_ h: VPLCHarness, _ devices: [String]) async throws -> [String] {
    var out: [String] = []
    for d in devices { out.append(try await h.engineState(d)?["StartedAt"]?.stringValue ?? "?") }
    return out
}

private func waitClients(_ key: String, seconds: Double = 20, _ condition: @escaping ([Int32]) -> Bool) async throws -> [Int32] {
    let deadline = Date().addingTimeInterval(seconds)
    var last = dhcpClients(key: key)
    while !condition(last), Date() < deadline {
        try await Task.sleep(for: .milliseconds(100))  // sleep-audit: poll (the interval of a wait with a deadline)
        last = dhcpClients(key: key)
    }
    return last
}

/// Whether `nic` exists in the network namespace of `device`'s container.
private func nicInContainer(_ h: VPLCHarness, _ device: String, _ nic: String) async throws -> Bool {
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
        if let pid = try await h.engineState(device)?["Pid"]?.numberValue, pid > 0 {
            let r = try await DockerLab.blocking { try CommandRunner.run(["nsenter", "-t", String(Int(pid)), "-n", "ip", "link", "show", nic]) }
            if r.succeeded { return true }
        }
        try await Task.sleep(for: .milliseconds(200))  // sleep-audit: poll (the interval of a wait with a deadline)
    }
    return false
}

import AgentJSON
import Foundation
import LabSupport
import Testing

extension VPLCLab.Takeover {
    /// A Python-agent site with a WiFi vPLC: its container on its internal bridge only, and the
    /// Python sidecar's proxy-ARP bridge made as spec §7.4 describes (`veth-<first 8>` ↔ `eth1`,
    /// /32 route, proxy neighbour), by `ip` here as the Python sidecar did. The lab's LAN parent is
    /// marked wireless (`--sysfs-root`).
    @Test("a WiFi vPLC is adopted with its _proxy_arp_config: not restarted, its bridge replaced by this sidecar's, reached by the LAN host; delete leaves nothing")
    func adoptsWifiVNIC() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("wtake") }
        defer { lab.down() }
        let parent = lab.parentInterface
        let device = uniqueDevice("pyw")
        let ip = lab.lanAddress(62)
        let pythonVeth = "veth-" + String(device.prefix(8))
        let folder = NSTemporaryDirectory() + "python-agent-\(device)"
        defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: a temp folder
        let sysfs = NSTemporaryDirectory() + "wifi-sysfs-\(device)"
        try FileManager.default.createDirectory(atPath: "\(sysfs)/class/net/\(parent)/wireless", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sysfs) }  // harmless: a temp folder

        try await Self.engine(lab, "POST", "/networks/create", ["Name": .string(device + "_internal"), "Driver": "bridge", "Internal": true])
        try await Self.engine(lab, "POST", "/containers/create?name=\(device)", [
            "Image": .string(lab.runtimeImage),
            "HostConfig": ["NetworkMode": .string(device + "_internal"), "RestartPolicy": ["Name": "no"], "CapAdd": ["SYS_NICE", "MKNOD"]],
        ])
        try await Self.engine(lab, "POST", "/containers/\(device)/start", nil)
        let before = try #require(try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue)
        let pid = try #require(before["State"]?.objectValue?["Pid"]?.numberValue.map { String(Int($0)) })
        let internalIP = before["NetworkSettings"]?.objectValue?["Networks"]?.objectValue?[device + "_internal"]?.objectValue?["IPAddress"]?.stringValue ?? ""
        // The Python sidecar's bridge.
        try await DockerLab.blocking {
            let ns = lab.labNamespace
            for argv in [
                ["ip", "-n", ns, "link", "add", pythonVeth, "type", "veth", "peer", "name", "eth1", "netns", pid],
                ["nsenter", "-t", pid, "-n", "ip", "addr", "add", "\(ip)/24", "dev", "eth1"],
                ["nsenter", "-t", pid, "-n", "ip", "link", "set", "eth1", "up"],
                ["nsenter", "-t", pid, "-n", "ip", "route", "replace", "default", "via", lab.lanGateway, "dev", "eth1"],
                ["ip", "-n", ns, "link", "set", pythonVeth, "up"],
                ["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.\(pythonVeth).proxy_arp=1", "net.ipv4.conf.\(parent).proxy_arp=1"],
                ["ip", "-n", ns, "route", "add", "\(ip)/32", "dev", pythonVeth],
                ["ip", "-n", ns, "neigh", "add", "proxy", ip, "dev", parent],
            ] {
                let r = try lab.run(argv)
                guard r.succeeded else { throw LabError("\(argv.joined(separator: " ")): \(r.stderr)") }
            }
        }
        #expect(try await wifiFetch(lab, ip), "the Python agent's bridge works before the takeover")
        try Self.write(folder, "data/clients.json", [device: ["ip": .string(internalIP), "name": .string(device)]])
        try Self.write(folder, "runtime_vnics.json", [device: [[
            "name": "lan", "parent_interface": .string(parent), "network_mode": "static", "ip": .string(ip),
            "subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway), "mac": .null, "_interface_type": "wifi",
            "_is_wifi": true, "_network_method": "proxy_arp",
            "_proxy_arp_config": [
                "veth_host": .string(pythonVeth), "veth_container": "eth1", "ip_address": .string(ip), "gateway": .string(lab.lanGateway),
                "parent_interface": .string(parent),
            ],
        ]]])

        let h = try await VPLCHarness(
            runtime: ["legacy_state_dir": .string(folder)], lab: lab, netmon: true, sidecarArguments: ["--sysfs-root", sysfs])
        defer { h.stop() }
        let sidecar = try #require(h.sidecar)
        let rebuilt = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            sidecar.log.contents.contains("proxy-ARP bridge \(device):lan: veth-")
        }
        #expect(rebuilt, "this sidecar built its bridge; agent log:\n\(h.agent.log.contents.suffix(3000))\nsidecar log:\n\(sidecar.log.contents.suffix(2000))")
        let status = try await h.waitStatus(device) { $0["vnics"]?.arrayValue?.first?.objectValue?["proxy_arp"]?.objectValue?["veth_container"] == "wifi0" }
        #expect(status["networks"]?.objectValue?["wifi_\(parent)_lan"]?.objectValue?["ip_address"] == .string(ip), "\(status)")
        try await Self.expectSameProcess(lab, device, before)
        let inside = try await DockerLab.blocking { try lab.run(["nsenter", "-t", pid, "-n", "ip", "-o", "-4", "addr", "show"]).stdout }
        #expect(inside.contains("wifi0") && inside.contains(ip + "/24") && !inside.contains("eth1"), "the Python end went, ours holds the address: \(inside)")
        let links = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "-o", "link", "show"]).stdout }
        #expect(links.split(separator: "\n").filter { $0.contains(": veth-") }.count == 1, "\(links)")
        #expect(try await wifiFetch(lab, ip), "the LAN host reaches the adopted WiFi vPLC through this sidecar's bridge")

        try await h.deleteExpectingNothingLeft(device)
        let after = try await DockerLab.blocking { try lab.exec(inNamespace: lab.labNamespace, ["ip", "neigh", "show", "proxy"]).stdout }
        #expect(!after.contains(ip), "\(after)")
        await h.shutdown()
    }
}

/// The LAN host fetches the runtime API at `ip` (https on 8443, self-signed), retrying a few seconds.
private func wifiFetch(_ lab: DockerLab, _ ip: String) async throws -> Bool {
    let r = try await DockerLab.blocking {
        try lab.exec(
            inNamespace: lab.lanhostNamespace,
            ["curl", "-sfk", "-m", "2", "--retry", "15", "--retry-all-errors", "--retry-delay", "1", "https://\(ip):8443/api/version"], timeout: 60)
    }
    return r.succeeded
}

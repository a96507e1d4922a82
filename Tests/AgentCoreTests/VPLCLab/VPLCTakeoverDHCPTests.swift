import AgentJSON
import Foundation
import LabSupport
import Testing

extension VPLCLab.Takeover {
    /// The Python sidecar's udhcpc hook, as spec §7.4 describes it (flush, add, default route,
    /// a JSON lease file named after `ORCH_DHCP_KEY`), reduced to what the takeover reads.
    static let pythonHook = #"""
        #!/bin/sh
        case "$1" in
        deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;
        bound|renew)
            ip -4 addr flush dev "$interface"
            ip addr add "$ip/${mask:-24}" dev "$interface"
            [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface" metric 100
            printf '{"interface":"%s","ip":"%s","mask":"%s","router":"%s","lease":"%s","event":"%s"}\n' \
                "$interface" "$ip" "$mask" "$router" "$lease" "$1" > "$LEASE_DIR/.$ORCH_DHCP_KEY.tmp"
            mv -f "$LEASE_DIR/.$ORCH_DHCP_KEY.tmp" "$LEASE_DIR/$ORCH_DHCP_KEY.lease"
            ;;
        esac
        exit 0
        """#

    @Test("a DHCP vPLC keeps its lease across the switch: same address, never off the link; the Python client is ended; a network move and delete follow")
    func dhcpLeaseCarriesOver() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("tkdhcp") }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        let device = uniqueDevice("pyd")
        let macvlan = "macvlan_\(lab.parentInterface)_\(lab.lanSubnet.replacingOccurrences(of: "/", with: "_"))"
        let folder = NSTemporaryDirectory() + "python-agent-\(device)"
        defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: a temp folder
        try FileManager.default.createDirectory(atPath: folder + "/dhcp", withIntermediateDirectories: true)

        // The Python agent's vPLC with a DHCP vNIC: Docker's address first, then its sidecar's udhcpc.
        try await Self.engine(lab, "POST", "/networks/create", ["Name": .string(device + "_internal"), "Driver": "bridge", "Internal": true])
        try await Self.engine(lab, "POST", "/networks/create", [
            "Name": .string(macvlan), "Driver": "macvlan", "Options": ["parent": .string(lab.parentInterface)],
            "IPAM": ["Config": [["Subnet": .string(lab.lanSubnet), "Gateway": .string(lab.lanGateway)]]],
        ])
        try await Self.engine(lab, "POST", "/containers/create?name=\(device)", [
            "Image": .string(lab.runtimeImage),
            "HostConfig": ["NetworkMode": .string(device + "_internal"), "RestartPolicy": ["Name": "no"]],
        ])
        try await Self.engine(lab, "POST", "/networks/\(macvlan)/connect", ["Container": .string(device)])
        try await Self.engine(lab, "POST", "/containers/\(device)/start", nil)
        let before = try #require(try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue)
        let mac = try #require(before["NetworkSettings"]?.objectValue?["Networks"]?.objectValue?[macvlan]?.objectValue?["MacAddress"]?.stringValue)
        let pid = try #require(before["State"]?.objectValue?["Pid"]?.numberValue.map { Int32($0) })
        let link = try await DockerLab.blocking { try Self.link(pid: pid, mac: mac) }

        let hook = folder + "/python-udhcpc.script"
        try Self.pythonHook.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        // A clean signal mask and default dispositions, as in the Python sidecar's container
        // (this process blocks some signals, and a child would inherit that).
        let python = try CommandRunner.spawnBackground(
            [
                "env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "ORCH_DHCP_KEY=\(device)_lan", "ORCH_CONTAINER_PID=\(pid)",
                "LEASE_DIR=\(folder)/dhcp", "nsenter", "-t", String(pid), "-n", "busybox", "udhcpc", "-f", "-i", link, "-s", hook,
                "-t", "5", "-T", "3",
            ], log: folder + "/python-udhcpc.log")
        defer { Self.end(python) }
        let leaseFile = folder + "/dhcp/\(device)_lan.lease"
        var leased = ""
        let bound = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            let lease = FileManager.default.contents(atPath: leaseFile).flatMap { try? JSONParser.parse(Array($0)) }  // harmless: not written yet
            leased = lease?.objectValue?["ip"]?.stringValue ?? ""
            return !leased.isEmpty
        }
        #expect(bound, "the Python-style client got no lease: \(lab.dhcpLeases)")
        try #require(bound)

        try Self.write(folder, "data/clients.json", [device: ["ip": "", "name": .string(device)]])
        try Self.write(folder, "runtime_vnics.json", [device: [[
            "name": "lan", "parent_interface": .string(lab.parentInterface), "network_mode": "dhcp", "mac": .null,
            "_interface_type": "ethernet", "_is_wifi": false, "_network_method": "macvlan", "mac_address": .string(mac),
            "docker_network_name": .string(macvlan), "dhcp_ip": .string(leased),
        ]]])

        // Every change of the vPLC's addresses from here on, seen from inside its namespace.
        let monitor = try await DockerLab.blocking { try AddressMonitor(pid: pid, log: folder + "/ip-monitor.log") }
        defer { monitor.stop() }

        let h = try await VPLCHarness(runtime: ["legacy_state_dir": .string(folder)], lab: lab, netmon: true)
        defer { h.stop() }
        let status = try await h.waitStatus(device, seconds: 30) { s in
            s["vnics"]?.arrayValue?.first?.objectValue?["dhcp"]?.objectValue?["state"] == "bound"
        }
        let vnic = status["vnics"]?.arrayValue?.first?.objectValue
        #expect(vnic?["ip_address"] == .string(leased), "the lease after the switch: \(status)\n\(h.sidecar?.log.contents.suffix(3000) ?? "")")
        #expect(
            await eventually(timeout: .seconds(10)) { Self.gone(python) },
            "the Python sidecar's udhcpc was not ended; sidecar log:\n\(h.sidecar?.log.contents.suffix(4000) ?? "-")")
        #expect(!dhcpClients(key: "\(device):lan").isEmpty, "this sidecar's client runs")
        let removed = monitor.lines.filter { $0.contains("Deleted") && $0.contains(leased + "/") }
        #expect(removed.isEmpty, "the address left the link during the switch: \(removed)")
        try await Self.expectSameProcess(lab, device, before)

        // A network move afterwards re-attaches it with a lease on the new LAN; delete leaves nothing.
        try await DockerLab.blocking { try lab.renumber(to: "192.168.76.0/23") }
        let moved = try await h.waitStatus(device, seconds: 40) { s in
            let v = s["vnics"]?.arrayValue?.first?.objectValue
            return v?["dhcp"]?.objectValue?["state"] == "bound" && (v?["ip_address"]?.stringValue ?? "").hasPrefix("192.168.76.")
        }
        #expect(
            moved["vnics"]?.arrayValue?.first?.objectValue?["ip_address"]?.stringValue?.hasPrefix("192.168.76.") == true,
            "\(moved)\n\(h.agent.log.contents.suffix(3000))")
        let delete = try await h.operate("delete_device", ["device_id": .string(device)])
        #expect(delete.end["status"] == "succeeded", "\(delete.end)")
        #expect(try await lab.engineAPI("GET", "/containers/\(device)/json").status == 404)
        #expect(await eventually(timeout: .seconds(10)) { dhcpClients(key: "\(device):lan").isEmpty }, "its DHCP client was stopped")
        await h.shutdown()
    }

    /// Whether the child `pid` has exited (reaped here).
    static func gone(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        return r == pid || (r == -1 && errno == ECHILD)
    }

    /// Ends the child `pid` if it still runs, and reaps it.
    static func end(_ pid: pid_t) {
        guard !gone(pid) else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    /// The name of the link with `mac` in `pid`'s network namespace.
    static func link(pid: Int32, mac: String) throws -> String {
        let out = try CommandRunner.check(["nsenter", "-t", String(pid), "-n", "ip", "-o", "link", "show"], timeout: 10)
        for line in out.split(separator: "\n") where line.lowercased().contains("link/ether \(mac.lowercased())") {
            let parts = line.split(separator: ":", maxSplits: 2)
            if parts.count > 1 { return String(parts[1].trimmingCharacters(in: .whitespaces).split(separator: "@")[0]) }
        }
        throw LabError("no link with \(mac) in the namespace of \(pid): \(out)")
    }
}

/// `ip -o monitor address` inside a process's network namespace, its lines collected in a file.
/// Ready only once it is seen to report (a test address on `lo`, added and removed).
final class AddressMonitor: @unchecked Sendable {
    private let pid: pid_t
    private let log: String

    init(pid: Int32, log: String) throws {
        self.log = log
        self.pid = try CommandRunner.spawnBackground(["nsenter", "-t", String(pid), "-n", "ip", "-o", "monitor", "address"], log: log)
        let probe = "192.0.2.254"
        let reporting = try eventuallySync(timeout: .seconds(10), every: .milliseconds(50)) {
            for verb in ["add", "del"] {
                _ = try CommandRunner.run(["nsenter", "-t", String(pid), "-n", "ip", "addr", verb, probe + "/32", "dev", "lo"], timeout: 10)
            }
            return lines.contains { $0.contains(probe) }
        }
        guard reporting else {
            stop()
            throw LabError("ip monitor in the namespace of \(pid) reported nothing")
        }
    }

    /// The lines reported so far.
    var lines: [String] {
        (FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
    }

    func stop() { VPLCLab.Takeover.end(pid) }
}

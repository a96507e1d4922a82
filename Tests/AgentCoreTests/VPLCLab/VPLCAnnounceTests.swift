import AgentJSON
import Foundation
import LabSupport
import Testing

/// The LAN learns a vPLC's address at once (docs/networking.md, "Address announcements and
/// conflict detection"): the real agent, the real netmon sidecar, the lab's LAN host with its
/// own kernel neighbour table.
extension VPLCLab {
@Suite("address announcements and conflicts on the lab LAN")
struct Announce {
    @Test("a vPLC recreated on the same address is in the LAN host's neighbour table with its new MAC when it runs; a held address is refused")
    func recreateAndConflict() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("annc") }
        defer { lab.down() }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }
        let parent = lab.parentInterface
        let ip = lab.lanAddress(141)
        func create(_ device: String, _ address: String) -> JSONObject {
            ["container_name": .string(device),
             "vnic_configs": [["name": "lan", "parent_interface": .string(parent), "network_mode": "static", "ip": .string(address)]]]
        }
        func neighbour() async throws -> String {
            try await DockerLab.blocking { try lab.exec(inNamespace: lab.lanhostNamespace, ["ip", "neigh", "show", ip]).stdout }
        }
        func mac(_ device: String) async throws -> String {
            let status = try await h.call("get_device_status", ["device_id": .string(device)])
            let vnics = status["vnics"]?.arrayValue?.compactMap(\.objectValue) ?? []
            return vnics.first?["mac_address"]?.stringValue?.lowercased() ?? ""
        }

        // The LAN host talks to the first vPLC: its neighbour entry holds the first MAC.
        let first = uniqueDevice("ann1")
        #expect(try await h.operate("create_new_runtime", create(first, ip)).end["status"] == "succeeded")
        let firstMAC = try await mac(first)
        let fetched = try await DockerLab.blocking {
            try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-sfk", "-m", "2", "--retry", "20", "--retry-all-errors", "--retry-delay", "0", "https://\(ip):8443/api/version"], timeout: 60)
        }
        #expect(fetched.succeeded, "\(fetched.stderr)")
        let before = try await neighbour()
        #expect(before.contains(firstMAC), "\(before)")
        #expect(try await h.operate("delete_device", ["device_id": .string(first)]).end["status"] == "succeeded")

        // Recreated on the same address: Docker gives it another MAC, the announcement tells the LAN.
        let second = uniqueDevice("ann2")
        let created = try await h.operate("create_new_runtime", create(second, ip))
        #expect(created.end["status"] == "succeeded", "\(created.end)")
        let running = ContinuousClock.now
        let secondMAC = try await mac(second)
        #expect(!secondMAC.isEmpty && secondMAC != firstMAC, "\(firstMAC) \(secondMAC)")
        var learned: Duration? = nil
        while ContinuousClock.now - running < .seconds(10) {
            if try await neighbour().contains(secondMAC) {
                learned = ContinuousClock.now - running
                break
            }
            try await Task.sleep(for: .milliseconds(10))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        let ms = learned.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 } ?? -1
        print("announce: the LAN host had the recreated vPLC's MAC \(ms) ms after the create ended (target ≤ 100 ms, measured by scripts/bench-network)")
        let after = try await neighbour()
        // The 100 ms target is measured by scripts/bench-network; this bound only tells the
        // announcement (tens of ms) from its absence (the entry stays stale for seconds).
        #expect(learned != nil && ms < 1000, "neighbour entry: \(after); learned after \(ms) ms")
        let again = try await DockerLab.blocking {
            try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-sfk", "-m", "1", "https://\(ip):8443/api/version"], timeout: 10)
        }
        #expect(again.succeeded, "the LAN host reaches the recreated vPLC at once: \(again.stderr)")

        // The LAN host's own address: refused before anything is made.
        let clash = uniqueDevice("ann3")
        let refused = try await h.operate("create_new_runtime", create(clash, lab.lanhostIP))
        #expect(["failed", "rolled_back"].contains(refused.end["status"]?.stringValue ?? ""), "\(refused.end)")
        #expect(refused.end["code"] == "address_in_use", "\(refused.end)")
        #expect(refused.end["field"] == "vnic_configs[0].ip")
        try await h.expectNothingLeft(clash)
    }

    @Test("after a renumbering the DHCP vPLC answers a LAN host before its ARP retry (announced at its lease); the announcements are on the wire")
    func renumberedLeaseIsAnnounced() async throws {
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("annd") }
        defer { lab.down() }
        try await DockerLab.blocking { try lab.dhcpStart() }
        let h = try await VPLCHarness(lab: lab, netmon: true)
        defer { h.stop() }
        let parent = lab.parentInterface
        #expect(try await h.cloud.waitUntil(seconds: 20) {
            let a = try await h.call("get_host_interfaces", ["include_virtual": true])
            return a["interfaces"]?.arrayValue?.contains { $0.objectValue?["name"]?.stringValue == parent && $0.objectValue?["subnet"] == "192.168.77.0/24" } == true
        })
        let device = uniqueDevice("annd")
        let create: JSONObject = [
            "container_name": .string(device),
            "vnic_configs": [["name": "lan", "parent_interface": .string(parent), "network_mode": "dhcp"]],
        ]
        #expect(try await h.operate("create_new_runtime", create).end["status"] == "succeeded")
        func lease() async throws -> JSONObject? {
            let status = try await h.call("get_device_status", ["device_id": .string(device)])
            return status["vnics"]?.arrayValue?.first?.objectValue
        }
        var first: JSONObject? = nil
        for _ in 0..<200 {
            if let v = try await lease(), v["dhcp"]?.objectValue?["state"] == "bound", (v["ip_address"]?.stringValue ?? "").hasPrefix("192.168.77.") {
                first = v
                break
            }
            try await Task.sleep(for: .milliseconds(100))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        let mac = try #require(first?["mac_address"]?.stringValue?.lowercased(), "a first lease: \(String(describing: first))")

        // The LAN host watches: every ARP packet on its link, and (as an HMI told the new address
        // would) one connection to the vPLC as soon as dnsmasq has leased it in the new subnet.
        let dir = lab.directory + "/lan-watch"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let watch = DockerLab.packageRoot + "/scripts/lab/lan-watch.py"
        let capture = try await DockerLab.blocking {
            try CommandRunner.spawnBackground(
                ["ip", "netns", "exec", lab.lanhostNamespace, "python3", watch, "capture", "--interface", "eth0", "--out", dir + "/arp.jsonl", "--seconds", "60"],
                log: dir + "/capture.log")
        }
        defer { kill(capture, SIGKILL); waitpid(capture, nil, 0) }
        #expect(try await h.cloud.waitUntil(seconds: 10) { (try? String(contentsOfFile: dir + "/capture.log", encoding: .utf8))?.contains("READY") == true })
        let reach = try await DockerLab.blocking {
            try CommandRunner.spawnBackground(
                ["ip", "netns", "exec", lab.lanhostNamespace, "python3", watch, "reach-after-lease", "--leases", lab.directory + "/dnsmasq.leases",
                 "--mac", mac, "--prefix", "192.168.76.", "--timeout", "30"],
                log: dir + "/reach.log")
        }
        defer { kill(reach, SIGKILL); waitpid(reach, nil, 0) }

        try await DockerLab.blocking { try lab.renumber(to: "192.168.76.0/23") }
        var reached: JSONObject? = nil
        let deadline = ContinuousClock.now + .seconds(40)
        while reached == nil, ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: dir + "/reach.log", encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("{") }) { reached = try JSONParser.parse(String(line)).objectValue }
            else { try await Task.sleep(for: .milliseconds(50)) }  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        let log = (try? String(contentsOfFile: dir + "/reach.log", encoding: .utf8)) ?? ""
        let ip = try #require(reached?["ip"]?.stringValue, "the LAN host reached the vPLC on its new lease: \(log)")
        let ms = reached?["reachable_ms"]?.numberValue ?? -1
        print("announce: after a renumbering the LAN host reached the DHCP vPLC \(ms) ms after dnsmasq leased \(ip) (target ≤ 100 ms, measured by scripts/bench-network)")
        // The 100 ms target is measured by scripts/bench-network; this bound only tells the
        // announcement from its absence (the LAN host's ARP retry comes 1,000 ms after its first try).
        #expect(ms >= 0 && ms < 500, "LAN host → vPLC after the lease: \(ms) ms")

        // On the wire: gratuitous ARP requests from the vPLC's MAC, sender = target = the new address.
        let announced = try await h.cloud.waitUntil(seconds: 5) {
            Self.gratuitous(in: dir + "/arp.jsonl", mac: mac, ip: ip).count >= 3
        }
        let seen = Self.gratuitous(in: dir + "/arp.jsonl", mac: mac, ip: ip)
        let agentLog = h.agent.log.contents.split(separator: "\n").filter { $0.contains("announce") || $0.contains("dhcp") || $0.contains("lease") }.suffix(30).joined(separator: "\n")
        let sidecarLog = (h.sidecar?.log.contents ?? "").split(separator: "\n").filter { $0.contains("announce") || $0.contains("lease") }.suffix(20).joined(separator: "\n")
        #expect(announced, "3 announcements of \(ip) from \(mac) on the LAN: \(seen)\nagent:\n\(agentLog)\nsidecar:\n\(sidecarLog)")
        if seen.count >= 2 {
            let gap = (seen[1] - seen[0]) * 1000
            #expect(gap > 100 && gap < 400, "announcements ~200 ms apart: \(gap) ms")
        }
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    /// Times (monotonic s) of the gratuitous ARP requests for `ip` from `mac` in a capture file.
    static func gratuitous(in path: String, mac: String, ip: String) -> [Double] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> Double? in
            guard let o = try? JSONParser.parse(String(line)).objectValue, o["op"] == 1, o["sha"]?.stringValue == mac,
                o["spa"]?.stringValue == ip, o["tpa"]?.stringValue == ip
            else { return nil }
            return o["t"]?.numberValue
        }
    }
}
}

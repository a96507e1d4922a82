import AgentJSON
import Foundation
import NetmonCore
import Testing

@Suite struct DhcpLeaseTests {
    @Test func markerLine() throws {
        let line = #"ORCH_DHCP_LEASE {"interface":"eth1","ip":"192.168.77.110","subnet":"255.255.255.0","mask":"255.255.255.0","prefix":24,"broadcast":"192.168.77.255","router":"192.168.77.1 192.168.77.2","dns":"192.168.77.1 9.9.9.9","domain":"plant.local","mtu":null,"hostname":null,"ntpsrv":null,"lease":3600,"serverid":"192.168.77.1","timestamp":"2026-11-26T06:30:00Z","event":"bound"}"#
        let lease = try #require(DhcpLease.parseMarker(Array(line.utf8)))
        #expect(lease.event == "bound")
        #expect(lease.interface == "eth1")
        #expect(lease.ip == IPv4("192.168.77.110"))
        #expect(lease.prefix == 24)
        #expect(lease.gateway == IPv4("192.168.77.1"))  // the first router
        #expect(lease.dns == "192.168.77.1 9.9.9.9")
        #expect(lease.domain == "plant.local")
        #expect(lease.leaseTime == 3600)
        #expect(lease.error == nil)
    }

    @Test func prefixFromMaskWhenAbsent() throws {
        let a = try #require(DhcpLease.parseMarker(Array(#"ORCH_DHCP_LEASE {"event":"renew","ip":"10.0.0.5","subnet":"255.255.240.0","prefix":null}"#.utf8)))
        #expect(a.prefix == 20)
        let b = try #require(DhcpLease.parseMarker(Array(#"ORCH_DHCP_LEASE {"event":"renew","ip":"10.0.0.5","mask":"16","lease":"600"}"#.utf8)))
        #expect(b.prefix == 16)
        #expect(b.leaseTime == 600)
    }

    @Test func failureMarker() throws {
        let l = try #require(DhcpLease.parseMarker(Array(#"ORCH_DHCP_LEASE {"interface":"eth1","ip":null,"timestamp":"x","event":"leasefail","error":"lease_failed"}"#.utf8)))
        #expect(l.event == "leasefail")
        #expect(l.error == "lease_failed")
        #expect(l.ip == nil)
    }

    @Test func otherLinesAreNotMarkers() {
        for line in [
            "udhcpc: started, v1.35.0", "ORCH_DHCP_LEASE", "ORCH_DHCP_LEASE {broken", "ORCH_DHCP_LEASE [1]",
            #"ORCH_DHCP_LEASE {"ip":"1.2.3.4"}"#, #"xORCH_DHCP_LEASE {"event":"bound"}"#,
        ] {
            #expect(DhcpLease.parseMarker(Array(line.utf8)) == nil, "\(line)")
        }
    }

    @Test func backoffDoublesToThirtySeconds() {
        var b = RestartBackoff()
        #expect((0..<7).map { _ in b.next() } == [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
        b.reset()
        #expect(b.next() == 1000)
    }

    @Test func hookScriptGuards() {
        let s = HookScript.text(busybox: "/usr/bin/busybox")
        #expect(s.hasPrefix("#!/usr/bin/busybox sh\n"))
        // Only the container's resolv.conf, through /proc/PID/root, never a bare /etc/resolv.conf write.
        #expect(s.contains(#"f="$root/etc/resolv.conf""#))
        #expect(s.contains(#"root="/proc/$PID/root""#))
        #expect(!s.contains("> /etc/resolv.conf"))
        #expect(s.contains("printf '\(DhcpLease.marker)%s\\n'"))
        #expect(s.contains("$BB ip route replace default via"))
    }

    /// The hook's report, run by busybox: plain values are written as they are, a value with a
    /// quote, a backslash or a control character is escaped (quote and backslash) or stripped
    /// (control characters), and the marker line parses.
    @Test func hookReportEscapesOnlyWhatNeedsIt() throws {
        let busybox = ["/usr/bin/busybox", "/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let bb = try #require(busybox, "busybox (Debian's busybox-static) is needed to run the hook")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // harmless: a temp folder of this test
        let script = dir + "/hook"
        try HookScript.text(busybox: bb).write(toFile: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bb)
        p.arguments = ["sh", script, "leasefail"]
        p.environment = [
            "ORCH_DHCP_KEY": "plc1:lan", "ORCH_LEASE_DIR": dir, "interface": "eth0", "ip": "192.168.77.5",
            "hostname": "pl\"c\\1\tx", "domain": "plant.local",
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(DhcpLease.marker) }, "\(text)")
        let json = try #require(try JSONParser.parse(String(line.dropFirst(DhcpLease.marker.count))).objectValue, "\(text)")
        #expect(json["interface"] == "eth0" && json["ip"] == "192.168.77.5" && json["domain"] == "plant.local")
        #expect(json["hostname"] == "pl\"c\\1x", "quote and backslash kept (escaped in JSON), the tab dropped: \(line)")
        #expect(json["error"] == "lease_failed" && json["event"] == "leasefail")
        #expect(FileManager.default.fileExists(atPath: dir + "/plc1_lan.lease"))
    }
}

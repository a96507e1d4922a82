import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    /// Address announcements and conflict probes on real veth links in namespaces the test makes:
    /// a LAN host's stale neighbour entry is corrected by the announcement, and a probe finds the
    /// LAN host that holds an address (its kernel answers the RFC 5227 probe).
    @Suite struct Arp {
        @Test func anAnnouncementCorrectsALanHostsStaleNeighbourEntry() async throws {
            try await DockerLab.blocking { try Self().anAnnouncementCorrectsALanHostsStaleNeighbourEntryBody() }
        }
        func anAnnouncementCorrectsALanHostsStaleNeighbourEntryBody() throws {
            let lanHost = try Netns("arph")
            defer { lanHost.delete() }
            let container = try Netns("arpc")
            defer { container.delete() }
            try container.ip("link", "add", "ceth0", "type", "veth", "peer", "name", "lan0", "netns", lanHost.name)
            try container.ip("link", "set", "ceth0", "address", "02:00:00:00:bb:01")
            try container.ip("link", "set", "ceth0", "up")
            try container.ip("addr", "add", "10.89.0.5/24", "dev", "ceth0")
            try container.ip("-6", "addr", "add", "fd00:89::5/64", "dev", "ceth0", "nodad")
            try lanHost.ip("link", "set", "lan0", "up")
            try lanHost.ip("addr", "add", "10.89.0.1/24", "dev", "lan0")
            try lanHost.ip("-6", "addr", "add", "fd00:89::1/64", "dev", "lan0", "nodad")
            // The LAN host still has the address's previous owner (an old container's MAC), for
            // IPv4 and for IPv6.
            try lanHost.ip("neigh", "replace", "10.89.0.5", "lladdr", "02:00:00:00:00:99", "dev", "lan0", "nud", "stale")
            try lanHost.ip("-6", "neigh", "replace", "fd00:89::5", "lladdr", "02:00:00:00:00:99", "dev", "lan0", "nud", "stale")
            let dir = try TempDir("arp")
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", container.name, "sleep", "600"], log: dir.path + "/s.log")
            defer { sleeper.stop(signal: SIGKILL) }
            let name = container.name
            #expect(eventually(10) { sameFile("/proc/\(sleeper.pid)/ns/net", "/run/netns/\(name)") })
            // Linux ignores a neighbour update within locktime (1 s) of the last one.
            usleep(1_100_000)  // sleep-audit: input (the kernel's neighbour locktime, not a wait for an effect)
            let lab = try SidecarLab("arps")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()

            try c.send(
                #"{"command":"announce_address","id":1,"container_pid":\#(sleeper.pid),"mac_address":"02:00:00:00:BB:01","ip_address":"10.89.0.5","count":2,"interval_ms":50}"#)
            let r = c.reply(id: 1)
            #expect(r?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            #expect(r?["interface"] == "ceth0")
            #expect(r?["sent"] == 2)
            #expect(r?["ipv6_addresses"] == ["fd00:89::5"], "the link's global IPv6 address is advertised too")
            #expect(
                eventually(5) { (try? lanHost.ip("neigh", "show", "10.89.0.5", "dev", "lan0"))?.contains("02:00:00:00:bb:01") == true },
                "\((try? lanHost.ip("neigh", "show")) ?? "")")
            #expect(
                eventually(5) { (try? lanHost.ip("-6", "neigh", "show", "fd00:89::5", "dev", "lan0"))?.contains("02:00:00:00:bb:01") == true },
                "the unsolicited neighbour advertisement corrected the IPv6 entry: \((try? lanHost.ip("-6", "neigh", "show")) ?? "")")

            try c.send(
                #"{"command":"announce_address","id":2,"container_pid":\#(sleeper.pid),"mac_address":"02:00:00:00:bb:77","ip_address":"10.89.0.5"}"#)
            #expect(c.reply(id: 2)?.string("code") == "interface_not_found")
            try c.send(#"{"command":"announce_address","id":3,"container_pid":\#(sleeper.pid),"mac_address":"02:00:00:00:bb:01","ip_address":"10.89.0.5","count":9}"#)
            #expect(c.reply(id: 3)?.string("field") == "count")
        }

        @Test func aProbeFindsTheHostThatHoldsAnAddressAndNoneForAFreeOne() async throws {
            try await DockerLab.blocking { try Self().aProbeFindsTheHostThatHoldsAnAddressAndNoneForAFreeOneBody() }
        }
        func aProbeFindsTheHostThatHoldsAnAddressAndNoneForAFreeOneBody() throws {
            let lanHost = try Netns("prbh")
            defer { lanHost.delete() }
            let hostName = lanHost.name
            let lab = try SidecarLab("prbs") { ns in
                try ns.ip("link", "add", "plan0", "type", "veth", "peer", "name", "hpeer0", "netns", hostName)
                try ns.ip("link", "set", "plan0", "address", "02:00:00:00:cc:01")
                try ns.ip("link", "set", "plan0", "up")
            }
            defer { lab.shutdown() }
            try lanHost.ip("link", "set", "hpeer0", "address", "02:00:00:00:dd:07")
            try lanHost.ip("link", "set", "hpeer0", "up")
            try lanHost.ip("addr", "add", "10.90.0.7/24", "dev", "hpeer0")
            let (c, _) = try lab.connect()

            try c.send(#"{"command":"probe_address","id":1,"interface":"plan0","ip_address":"10.90.0.7"}"#)
            let taken = c.reply(id: 1)
            #expect(taken?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            #expect(taken?["in_use"] == true)
            #expect(taken?["mac_address"] == "02:00:00:00:dd:07")
            #expect((taken?["probe_ms"]?.numberValue ?? 999) < 250, "an answer ends the probe early")

            try c.send(#"{"command":"probe_address","id":2,"interface":"plan0","ip_address":"10.90.0.8","wait_ms":200}"#)
            let free = c.reply(id: 2)
            #expect(free?["in_use"] == false, "\(c.seen)")
            let ms = free?["probe_ms"]?.numberValue ?? 0
            #expect(ms >= 200 && ms < 400, "a free address costs the wait: \(ms) ms")

            try c.send(#"{"command":"probe_address","id":3,"interface":"nope0","ip_address":"10.90.0.8"}"#)
            #expect(c.reply(id: 3)?.string("code") == "interface_not_found")
        }
    }
}

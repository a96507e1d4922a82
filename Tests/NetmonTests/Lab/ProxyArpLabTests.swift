import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    /// WiFi proxy-ARP bridges on real links in namespaces the test makes (docs/network-monitor.md,
    /// "WiFi: proxy-ARP bridges"): the sidecar's namespace is the edge box, its `wl-lab` link (a
    /// veth: no real wireless device can be made here) is marked wireless by a prepared sysfs
    /// folder and leads to a LAN host; a sleeping process in a third namespace is the vPLC.
    @Suite struct ProxyArp {
        @Test func aBridgeMakesTheVPLCReachableFromTheLanAndItsCleanupLeavesNothing() async throws {
            try await DockerLab.blocking { try Self().bridgeBody() }
        }

        func bridgeBody() throws {
            let lanHost = try Netns("pxh")
            defer { lanHost.delete() }
            let vplc = try Netns("pxc")
            defer { vplc.delete() }
            let sysfs = try TempDir("pxsys")
            try FileManager.default.createDirectory(atPath: sysfs.path + "/class/net/wl-lab/wireless", withIntermediateDirectories: true)
            let hostName = lanHost.name
            let lab = try SidecarLab("pxs", arguments: ["--sysfs-root", sysfs.path]) { ns in
                try ns.ip("link", "add", "wl-lab", "type", "veth", "peer", "name", "lan0", "netns", hostName)
                try ns.ip("link", "set", "wl-lab", "up")
                try ns.ip("addr", "add", "10.91.0.2/24", "dev", "wl-lab")
            }
            defer { lab.shutdown() }
            try lanHost.ip("link", "set", "lan0", "up")
            try lanHost.ip("addr", "add", "10.91.0.50/24", "dev", "lan0")
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", vplc.name, "sleep", "600"], log: lab.dir.path + "/sleep.log")
            defer { sleeper.stop(signal: SIGKILL) }
            let vplcName = vplc.name
            #expect(eventually(10) { sameFile("/proc/\(sleeper.pid)/ns/net", "/run/netns/\(vplcName)") })
            let (c, greeting) = try lab.connect()
            let wl = (greeting[0]["data"]?.objectValue?["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue).first { $0.string("interface") == "wl-lab" }
            #expect(wl?.string("type") == "wifi", "the prepared sysfs folder marks the link wireless: \(String(describing: wl))")

            let setup = #"{"command":"setup_proxy_arp_bridge","id":1,"container_name":"plcA","vnic_name":"wl","container_pid":\#(sleeper.pid),"parent_interface":"wl-lab","ip_address":"10.91.0.40","gateway":"10.91.0.50","subnet_mask":"255.255.255.0"}"#
            let started = Date()
            try c.send(setup)
            let r = c.reply(id: 1)
            print("proxy-arp lab: setup_proxy_arp_bridge answered in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
            #expect(r?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            let config = try #require(r?["proxy_arp_config"]?.objectValue)
            #expect(config.string("veth_host") == "veth-plcA" && config.string("veth_container") == "wifi0")
            #expect(config.string("ip_address") == "10.91.0.40" && config.string("gateway") == "10.91.0.50" && config.string("parent_interface") == "wl-lab")

            // The kernel state the bridge is made of.
            #expect(try vplc.ip("-4", "addr", "show", "dev", "wifi0").contains("10.91.0.40/24"))
            #expect(try vplc.ip("route", "show", "default").contains("via 10.91.0.50 dev wifi0"))
            #expect(try lab.netns.ip("route", "show", "10.91.0.40").contains("dev veth-plcA"))
            #expect(try lab.netns.ip("neigh", "show", "proxy").contains("10.91.0.40 dev wl-lab"))
            #expect(try CommandRunner.check(["ip", "netns", "exec", lab.netns.name, "cat", "/proc/sys/net/ipv4/conf/wl-lab/proxy_arp"]).hasPrefix("1"))

            // The LAN host reaches the vPLC; the vPLC's address is the edge box's WiFi MAC to it.
            let ping = try CommandRunner.run(["ip", "netns", "exec", lanHost.name, "busybox", "ping", "-c", "2", "-W", "3", "10.91.0.40"], timeout: 20)
            #expect(ping.succeeded, "\(ping.stdout)\(ping.stderr)\n\(lab.process.log)")
            let wlMAC = try lab.netns.ip("link", "show", "wl-lab")
            let neighbour = try lanHost.ip("neigh", "show", "10.91.0.40")
            let mac = neighbour.split(separator: " ").drop { $0 != "lladdr" }.dropFirst().first.map(String.init) ?? "?"
            #expect(wlMAC.contains(mac), "the LAN sees the host's WiFi MAC for the vPLC: \(neighbour)")

            // The same bridge again is answered as it is; the table holds it.
            try c.send(setup.replacingOccurrences(of: #""id":1"#, with: #""id":2"#))
            #expect(c.reply(id: 2)?["proxy_arp_config"]?.objectValue == config)

            // A setup that fails (a gateway off the link) leaves nothing behind.
            try c.send(#"{"command":"setup_proxy_arp_bridge","id":3,"container_name":"plcB","container_pid":\#(sleeper.pid),"parent_interface":"wl-lab","ip_address":"10.91.0.41","gateway":"10.200.0.1"}"#)
            let failed = c.reply(id: 3)
            #expect(failed?["success"] == false && failed?.string("code") == "netlink_error", "\(String(describing: failed))")
            #expect(!(try lab.netns.ip("link", "show")).contains("veth-plcB"))
            #expect(!(try lab.netns.ip("neigh", "show", "proxy")).contains("10.91.0.41"))
            let inside = try vplc.ip("-o", "link", "show")
            #expect(inside.split(separator: "\n").count == 2, "lo and wifi0 only: \(inside)")

            // Cleanup leaves no veth, route or proxy neighbour.
            try c.send(#"{"command":"cleanup_proxy_arp_bridge","id":4,"container_name":"plcA","vnic_name":"wl"}"#)
            #expect(c.reply(id: 4)?["success"] == true)
            #expect(!(try lab.netns.ip("link", "show")).contains("veth-plcA"))
            #expect(try lab.netns.ip("route", "show", "10.91.0.40").isEmpty)
            #expect(!(try lab.netns.ip("neigh", "show", "proxy")).contains("10.91.0.40"))
            #expect(!(try vplc.ip("link", "show")).contains("wifi0"))
            try c.send(#"{"command":"cleanup_proxy_arp_bridge","id":5,"container_name":"plcA","vnic_name":"wl"}"#)
            #expect(c.reply(id: 5)?.string("code") == "bridge_not_found")

            // cleanup_all: every bridge of this sidecar and any veth-* an earlier one left.
            try c.send(setup.replacingOccurrences(of: #""id":1"#, with: #""id":6"#))
            #expect(c.reply(id: 6)?["success"] == true)
            try lab.netns.ip("link", "add", "veth-old1", "type", "veth", "peer", "name", "oldpeer")
            try c.send(#"{"command":"cleanup_all_proxy_arp","id":7}"#)
            #expect(c.reply(id: 7)?["veths_removed"] == 2, "\(c.seen)")
            #expect(!(try lab.netns.ip("link", "show")).contains("veth-"))
        }
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    @Suite struct Links {
        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func setLinkMacKeepsTheLinkUpAndItsRoutes() async throws { try await DockerLab.blocking { try Self().setLinkMacKeepsTheLinkUpAndItsRoutesBody() } }
        func setLinkMacKeepsTheLinkUpAndItsRoutesBody() throws {
            let container = try Netns("macc")
            defer { container.delete() }
            try container.ip("link", "add", "ceth0", "type", "veth", "peer", "name", "cpeer0")
            try container.ip("link", "set", "ceth0", "address", "02:00:00:00:aa:01")
            try container.ip("link", "set", "cpeer0", "up")
            try container.ip("link", "set", "ceth0", "up")
            try container.ip("addr", "add", "10.88.0.2/24", "dev", "ceth0")
            try container.ip("route", "add", "default", "via", "10.88.0.1")
            let dir = try TempDir("mac")
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", container.name, "sleep", "600"], log: dir.path + "/s.log")
            defer { sleeper.stop(signal: SIGKILL) }
            let name = container.name
            #expect(eventually(10) { sameFile("/proc/\(sleeper.pid)/ns/net", "/run/netns/\(name)") })
            let lab = try SidecarLab("macs")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()

            try c.send(
                #"{"command":"set_link_mac","id":1,"container_pid":\#(sleeper.pid),"current_mac":"02:00:00:00:AA:01","mac_address":"02:00:00:00:aa:02"}"#)
            let r = c.reply(id: 1)
            #expect(r?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            #expect(r?["interface"] == "ceth0")
            let link = try container.ip("link", "show", "ceth0")
            #expect(link.contains("02:00:00:00:aa:02"))
            #expect(link.contains("UP"))
            #expect(try container.ip("route", "show", "default").contains("default via 10.88.0.1 dev ceth0"))

            try c.send(
                #"{"command":"set_link_mac","id":2,"container_pid":\#(sleeper.pid),"current_mac":"02:00:00:00:aa:01","mac_address":"02:00:00:00:aa:03"}"#)
            #expect(c.reply(id: 2)?.string("code") == "interface_not_found")
            // The same restore again (the engine still reports the MAC it made): done already.
            try c.send(
                #"{"command":"set_link_mac","id":5,"container_pid":\#(sleeper.pid),"current_mac":"02:00:00:00:aa:01","mac_address":"02:00:00:00:aa:02"}"#)
            let again = c.reply(id: 5)
            #expect(again?["success"] == true && again?["interface"] == "ceth0", "\(c.seen)")
            try c.send(
                #"{"command":"set_link_mac","id":3,"container_pid":999999999,"current_mac":"02:00:00:00:aa:02","mac_address":"02:00:00:00:aa:03"}"#)
            #expect(c.reply(id: 3)?.string("code") == "no_such_process")
            // A multicast MAC is refused by the kernel: netlink_error with its reason.
            try c.send(
                #"{"command":"set_link_mac","id":4,"container_pid":\#(sleeper.pid),"current_mac":"02:00:00:00:aa:02","mac_address":"01:00:5e:00:00:01"}"#)
            let bad = c.reply(id: 4)
            #expect(bad?.string("code") == "netlink_error", "\(c.seen)")
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func moveCheckAndReturnANic() async throws { try await DockerLab.blocking { try Self().moveCheckAndReturnANicBody() } }
        func moveCheckAndReturnANicBody() throws {
            let container = try Netns("nicc")
            defer { container.delete() }
            let dir = try TempDir("nic")
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", container.name, "sleep", "600"], log: dir.path + "/s.log")
            defer { sleeper.stop(signal: SIGKILL) }
            let name = container.name
            #expect(eventually(10) { sameFile("/proc/\(sleeper.pid)/ns/net", "/run/netns/\(name)") })
            let lab = try SidecarLab("nics") { ns in
                try ns.ip("link", "add", "dnic0", "type", "veth", "peer", "name", "vethd0")
            }
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()
            let pid = sleeper.pid

            try c.send(#"{"command":"check_nic_in_container","id":"c1","host_interface":"dnic0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "c1")?["present"] == false, "\(c.seen)")

            try c.send(#"{"command":"move_nic_to_container","id":"m","host_interface":"dnic0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "m")?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            #expect(try container.ip("link", "show", "dnic0").contains(",UP"))
            #expect((try? lab.netns.ip("link", "show", "dnic0")) == nil)
            // The sidecar saw it leave its namespace.
            #expect(c.received("network_change") { $0.string("interface") == "dnic0" && $0.string("status") == "removed" }, "\(c.seen)")

            try c.send(#"{"command":"check_nic_in_container","id":"c2","host_interface":"dnic0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "c2")?["present"] == true)

            try c.send(#"{"command":"return_nic_to_host","id":"r","host_interface":"dnic0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "r")?["success"] == true, "\(c.seen)\n\(lab.process.log)")
            #expect(try lab.netns.ip("link", "show", "dnic0").contains(",UP"))
            #expect((try? container.ip("link", "show", "dnic0")) == nil)
            try c.send(#"{"command":"check_nic_in_container","id":"c3","host_interface":"dnic0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "c3")?["present"] == false)

            // Errors: unknown interface, unknown process.
            try c.send(#"{"command":"move_nic_to_container","id":"e1","host_interface":"nosuch0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "e1")?.string("code") == "interface_not_found")
            try c.send(#"{"command":"return_nic_to_host","id":"e2","host_interface":"nosuch0","container_pid":\#(pid)}"#)
            #expect(c.reply(id: "e2")?.string("code") == "interface_not_found")
            try c.send(#"{"command":"check_nic_in_container","id":"e3","host_interface":"dnic0","container_pid":999999999}"#)
            #expect(c.reply(id: "e3")?.string("code") == "no_such_process")
        }
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    @Suite struct Netlink {
        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func discoveryThenChangesThenQuietResync() async throws { try await DockerLab.blocking { try Self().discoveryThenChangesThenQuietResyncBody() } }
        func discoveryThenChangesThenQuietResyncBody() throws {
            let lab = try SidecarLab("nl", arguments: ["--resync-s", "1"]) { ns in
                try ns.ip("link", "add", "lan0", "type", "veth", "peer", "name", "vethp0")
            }
            defer { lab.shutdown() }
            let (client, greeting) = try lab.connect()

            // Greeting: discovery lists the namespace's veth pair (down ones too), flagged virtual by name.
            #expect(greeting[0]["type"] == "network_discovery")
            #expect(greeting[1]["type"] == "device_discovery")
            // The host's serial devices (this machine's console UART, ttyS0, among them).
            #expect(greeting[1]["data"]?.objectValue?["devices"]?.arrayValue != nil)
            let interfaces = greeting[0]["data"]?.objectValue?["interfaces"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let byName = Dictionary(uniqueKeysWithValues: interfaces.compactMap { i in i.string("interface").map { ($0, i) } })
            #expect(Set(byName.keys) == ["lo", "lan0", "vethp0"], "\(client.seen)")
            #expect(byName["lan0"]?["status"] == "down")
            #expect(byName["lan0"]?["virtual"] == false)
            #expect(byName["vethp0"]?["virtual"] == true)
            #expect(byName["lo"]?["status"] == "up")

            // A new veth pair, set up: network_change up.
            try lab.netns.ip("link", "add", "up0", "type", "veth", "peer", "name", "vethq0")
            try lab.netns.ip("link", "set", "vethq0", "up")
            try lab.netns.ip("link", "set", "up0", "up")
            // (The kernel may report carrier before operstate catches up: wait for both.)
            let up = client.event("network_change") {
                $0.string("interface") == "up0" && $0.string("status") == "up" && $0.string("operstate") == "UP"
            }
            #expect(up != nil, "\(client.seen)")
            #expect(up?["ipv4_addresses"] == .array([]))

            // An address: subnet and network address.
            try lab.netns.ip("addr", "add", "10.77.0.2/24", "dev", "up0")
            let addr = client.event("network_change") { $0.string("interface") == "up0" && !$0.addresses.isEmpty }
            #expect(addr?.addresses == ["10.77.0.2"], "\(client.seen)")
            let first = addr?["ipv4_addresses"]?.arrayValue?.first?.objectValue
            #expect(first?["subnet"] == "10.77.0.0/24")
            #expect(first?["network_address"] == "10.77.0.0")
            #expect(first?["prefixlen"] == 24)

            // A default route: gateway.
            try lab.netns.ip("route", "add", "default", "via", "10.77.0.1", "dev", "up0")
            let gw = client.event("network_change") { $0.string("interface") == "up0" && $0["gateway"] != .null }
            #expect(gw?["gateway"] == "10.77.0.1", "\(client.seen)")

            // Route and address removed.
            try lab.netns.ip("route", "del", "default", "via", "10.77.0.1", "dev", "up0")
            let nogw = client.event("network_change") { $0.string("interface") == "up0" && $0["gateway"] == .null }
            #expect(nogw?.addresses == ["10.77.0.2"], "\(client.seen)")
            try lab.netns.ip("addr", "del", "10.77.0.2/24", "dev", "up0")
            let noaddr = client.event("network_change") { $0.string("interface") == "up0" && $0.addresses.isEmpty }
            #expect(noaddr?["status"] == "up", "\(client.seen)")

            // Down, then removed (both at once, no debounce).
            try lab.netns.ip("link", "set", "up0", "down")
            let down = client.event("network_change") { $0.string("interface") == "up0" && $0.string("status") != "up" }
            #expect(down?["status"] == "down", "\(client.seen)")
            #expect(down?["ipv4_addresses"] == .array([]))
            try lab.netns.ip("link", "del", "up0")
            let removed = client.event("network_change") { $0.string("interface") == "up0" && $0.string("status") == "removed" }
            #expect(removed != nil, "\(client.seen)")

            // Let the dust settle (vethq0 vanished with its peer), then nothing more for several resyncs.
            _ = client.drain(for: 1.5)
            let quiet = client.drain(for: 3.5)
            #expect(quiet.filter { $0["type"] == "network_change" }.isEmpty, "\(quiet)")
            try client.send(#"{"command":"get_status","id":"s"}"#)
            let status = client.reply(id: "s")
            let resyncs = status?["netlink"]?.objectValue?["resyncs"]?.numberValue ?? 0
            #expect(resyncs >= 3, "\(status.map { JSONWriter.string(.object($0)) } ?? "no reply")")
            #expect((status?["netlink"]?.objectValue?["events"]?.numberValue ?? 0) > 0)
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func overflowedEventSocketIsRepairedByAResync() async throws { try await DockerLab.blocking { try Self().overflowedEventSocketIsRepairedByAResyncBody() } }
        func overflowedEventSocketIsRepairedByAResyncBody() throws {
            let lab = try SidecarLab("enobufs", arguments: ["--resync-s", "0"]) { ns in
                try ns.ip("link", "add", "lanE", "type", "veth", "peer", "name", "vethE")
                try ns.ip("link", "set", "lanE", "up")
                try ns.ip("link", "set", "vethE", "up")
            }
            defer { lab.shutdown() }
            // Freeze the sidecar and make far more events than its 2 MiB receive buffer holds.
            let count = 12_000
            let batch = lab.dir.path + "/batch"
            try (0..<count).map { "addr add 10.\(100 + $0 / 250).\($0 % 250).1/32 dev lanE\n" }.joined()
                .write(toFile: batch, atomically: false, encoding: .utf8)
            kill(lab.process.pid, SIGSTOP)
            let added = try CommandRunner.run(["ip", "-n", lab.netns.name, "-batch", batch], timeout: 120)
            kill(lab.process.pid, SIGCONT)
            #expect(added.succeeded, "\(added.stderr)")

            let (c, _) = try lab.connect(timeout: 90)  // it may still be catching up
            var enobufs = 0.0
            var resyncs = 0.0
            #expect(
                eventually(90) {
                    guard (try? c.send(#"{"command":"get_status","id":"s"}"#)) != nil, let s = c.reply(id: "s", timeout: 30) else { return false }
                    enobufs = s["netlink"]?.objectValue?["enobufs"]?.numberValue ?? 0
                    resyncs = s["netlink"]?.objectValue?["resyncs"]?.numberValue ?? 0
                    return enobufs >= 1 && resyncs >= 1
                }, "enobufs \(enobufs), resyncs \(resyncs)\n\(lab.process.log.suffix(2000))")
            try c.send(#"{"command":"get_interfaces","id":"i"}"#)
            let list = c.reply(id: "i", timeout: 60)?["interfaces"]?.arrayValue?.compactMap(\.objectValue) ?? []
            #expect(list.first { $0.string("interface") == "lanE" }?.addresses.count == count)
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func getInterfacesMatchesTheTable() async throws { try await DockerLab.blocking { try Self().getInterfacesMatchesTheTableBody() } }
        func getInterfacesMatchesTheTableBody() throws {
            let lab = try SidecarLab("gi") { ns in
                try ns.ip("link", "add", "lan1", "type", "veth", "peer", "name", "vethp1")
                try ns.ip("link", "set", "lan1", "up")
                try ns.ip("link", "set", "vethp1", "up")
                try ns.ip("addr", "add", "10.66.0.2/16", "dev", "lan1")
                try ns.ip("route", "add", "default", "via", "10.66.0.1")
            }
            defer { lab.shutdown() }
            let (client, _) = try lab.connect()
            try client.send(#"{"command":"get_interfaces","id":1}"#)
            let reply = try #require(client.reply(id: 1), "\(client.seen)")
            #expect(reply["success"] == true)
            let list = reply["interfaces"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let lan = try #require(list.first { $0.string("interface") == "lan1" })
            #expect(lan["status"] == "up")
            #expect(lan.addresses == ["10.66.0.2"])
            #expect(lan["gateway"] == "10.66.0.1")
            #expect(lan["ipv4_addresses"]?.arrayValue?.first?.objectValue?["subnet"] == "10.66.0.0/16")
            let mac = try lab.netns.ip("-br", "link", "show", "lan1")
            #expect(mac.contains(lan.string("mac_address") ?? "missing"))
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func sigtermRemovesTheSocketAndExitsZero() async throws { try await DockerLab.blocking { try Self().sigtermRemovesTheSocketAndExitsZeroBody() } }
        func sigtermRemovesTheSocketAndExitsZeroBody() throws {
            let lab = try SidecarLab("term")
            defer { lab.shutdown() }
            let status = try #require(lab.shutdown())
            #expect(status & 0x7f == 0, "killed by a signal: \(status)")
            #expect((status >> 8) & 0xff == 0, "\(lab.process.log)")
            #expect(!FileManager.default.fileExists(atPath: lab.socketPath))
            #expect(lab.process.log.contains("shutting down"))
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func badFlagsExitTwoWithUsage() async throws { try await DockerLab.blocking { try Self().badFlagsExitTwoWithUsageBody() } }
        func badFlagsExitTwoWithUsageBody() throws {
            let binary = try #require(NetmonBinary.path)
            let r = try CommandRunner.run([binary, "--debounce-ms", "soon"], timeout: 30)
            #expect(r.status == 2)
            #expect(r.stderr.contains("usage: autonomy-netmon"))
            #expect(r.stderr.contains("--debounce-ms"))
            let unknown = try CommandRunner.run([binary, "--frobnicate"], timeout: 30)
            #expect(unknown.status == 2)
        }
    }
}

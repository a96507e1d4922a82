import AgentJSON
import Foundation
import LabSupport
import Testing

extension NetmonLabTests {
    @Suite struct Socket {
        /// Connects as uid 65534 and prints every line it gets, then "EOF" if the sidecar closed.
        static let peerScript = """
            import socket, sys, time
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(0.5)
            data = b""; eof = False; end = time.time() + 5
            while time.time() < end and b"\\n" not in data:
                try:
                    d = s.recv(65536)
                except socket.timeout:
                    continue
                if not d:
                    eof = True; break
                data += d
            if not eof:
                end = time.time() + 1
                while time.time() < end:
                    try:
                        d = s.recv(65536)
                    except socket.timeout:
                        continue
                    if not d:
                        eof = True; break
            print(data.decode().split("\\n")[0]); print("EOF" if eof else "OPEN")
            """

        func runAsNobody(_ socket: String) throws -> [String] {
            let r = try CommandRunner.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Self.peerScript, socket],
                timeout: 30)
            #expect(r.succeeded, "\(r.stderr)")
            return r.stdout.split(separator: "\n").map(String.init)
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func otherUidIsRefusedUnlessItIsTheAgentUid() async throws { try await DockerLab.blocking { try Self().otherUidIsRefusedUnlessItIsTheAgentUidBody() } }
        func otherUidIsRefusedUnlessItIsTheAgentUidBody() throws {
            let lab = try SidecarLab("peer")
            defer { lab.shutdown() }
            var st = stat()
            #expect(stat(lab.socketPath, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o660)
            chmod(lab.socketPath, 0o666)  // so the connect itself is allowed; the peer check must refuse
            let out = try runAsNobody(lab.socketPath)
            #expect(out.count == 2, "\(out)")
            let line = try #require((try? JSONParser.parse(out.first ?? ""))?.objectValue, "\(out)")
            #expect(line["code"] == "peer_refused")
            #expect(line["success"] == false)
            #expect(line["error"] == "uid 65534 may not use netmon")
            #expect(out.last == "EOF")
            // Root still gets in.
            _ = try lab.connect()

            let agent = try SidecarLab("peer2", arguments: ["--agent-uid", "65534"])
            defer { agent.shutdown() }
            chmod(agent.socketPath, 0o666)
            let ok = try runAsNobody(agent.socketPath)
            let greeting = (try? JSONParser.parse(ok.first ?? ""))?.objectValue
            #expect(greeting?["type"] == "network_discovery", "\(ok)")
            #expect(ok.last == "OPEN")
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func badLinesGetTypedErrorsAndTheConnectionKeepsWorking() async throws { try await DockerLab.blocking { try Self().badLinesGetTypedErrorsAndTheConnectionKeepsWorkingBody() } }
        func badLinesGetTypedErrorsAndTheConnectionKeepsWorkingBody() throws {
            let lab = try SidecarLab("bad")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()
            let cases: [(String, String, String?)] = [
                ("this is not json", "invalid_json", nil),
                ("[1,2,3]", "invalid_command", nil),
                (#"{"no_command":1}"#, "invalid_command", "command"),
                (#"{"command":"format_disk"}"#, "unknown_command", "command"),
                (#"{"command":"start_dhcp","container_name":"plc1","vnic_name":"eth0","container_pid":1}"#, "invalid_field", "mac_address"),
                (#"{"command":"stop_dhcp","container_name":"plc1"}"#, "invalid_field", "vnic_name"),
                (#"{"command":"check_nic_in_container","host_interface":"eth0","container_pid":"abc"}"#, "invalid_field", "container_pid"),
                (#"{"command":"setup_proxy_arp_bridge","container_name":"plc1"}"#, "invalid_field", "container_pid"),
            ]
            // Without ids: answered in order.
            for (line, _, _) in cases { try c.send(line) }
            for (line, code, field) in cases {
                let r = c.nextReply()
                #expect(r?["success"] == false, "\(line): \(c.seen)")
                #expect(r?.string("code") == code, "\(line)")
                #expect(r?.string("field") == field, "\(line)")
                #expect(r?["id"] == nil)
            }
            // With an id, the id is echoed even on errors.
            try c.send(#"{"command":"stop_dhcp","id":41}"#)
            #expect(c.reply(id: 41)?.string("code") == "invalid_field")
            try c.send(#"{"command":"unknown_thing","id":"u"}"#)
            #expect(c.reply(id: "u")?.string("error") == "Unknown command: unknown_thing")
            // A line over 1 MiB: line_too_long, and the next line still works.
            try c.sendRaw([UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 100) + [UInt8(ascii: "\n")])
            #expect(c.nextReply(timeout: 20)?.string("code") == "line_too_long", "\(c.seen)")
            try c.send(#"{"command":"get_status","id":"after"}"#)
            let status = c.reply(id: "after")
            #expect(status?["success"] == true, "\(c.seen)")
            #expect(status?["clients"] == 1)
            try c.send(#"{"command":"get_dhcp_status"}"#)
            #expect(c.nextReply()?["clients"] == .array([]))
            try c.send(#"{"command":"discover_devices"}"#)
            #expect(c.nextReply()?["devices"]?.arrayValue != nil)
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func slowCommandWithIdDelaysNeitherRepliesNorEvents() async throws { try await DockerLab.blocking { try Self().slowCommandWithIdDelaysNeitherRepliesNorEventsBody() } }
        func slowCommandWithIdDelaysNeitherRepliesNorEventsBody() throws {
            let container = try Netns("slowc")
            defer { container.delete() }
            let dir = try TempDir("slow")
            let sleeper = try BackgroundProcess(["ip", "netns", "exec", container.name, "sleep", "600"], log: dir.path + "/sleeper.log")
            defer { sleeper.stop(signal: SIGKILL) }
            let lab = try SidecarLab("slow")
            defer { lab.shutdown() }
            let (c, _) = try lab.connect()

            // No link has this MAC in the sleeper's namespace: the search runs ~3 s, then fails.
            try c.send(
                #"{"command":"start_dhcp","id":"slow","container_name":"plc1","vnic_name":"eth0","mac_address":"02:de:ad:be:ef:01","container_pid":\#(sleeper.pid)}"#)
            try c.send(#"{"command":"get_status","id":"fast"}"#)
            try lab.netns.ip("link", "add", "lan9", "type", "veth", "peer", "name", "vethp9")
            try lab.netns.ip("link", "set", "vethp9", "up")
            try lab.netns.ip("link", "set", "lan9", "up")

            var order: [String] = []
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && !order.contains("slow") {
                guard let l = c.next(timeout: 1) else { continue }
                if let id = l.string("id") { order.append(id) }
                if l["type"] == "network_change", l["data"]?.objectValue?.string("interface") == "lan9",
                    l["data"]?.objectValue?.string("status") == "up", !order.contains("event")
                {
                    order.append("event")
                }
                if l.string("id") == "slow" {
                    #expect(l.string("code") == "interface_not_found", "\(c.seen)")
                    #expect(l["success"] == false)
                }
            }
            #expect(order == ["fast", "event", "slow"], "\(c.seen)")

            // Without ids, replies keep request order: the slow one first.
            try c.send(
                #"{"command":"start_dhcp","container_name":"plc1","vnic_name":"eth0","mac_address":"02:de:ad:be:ef:01","container_pid":\#(sleeper.pid)}"#)
            try c.send(#"{"command":"get_status"}"#)
            let first = c.nextReply(timeout: 20)
            let second = c.nextReply(timeout: 20)
            #expect(first?.string("code") == "interface_not_found", "\(c.seen)")
            #expect(second?["success"] == true)
            #expect(second?["uptime_s"] != nil)

            // A PID that does not exist: no_such_process at once.
            try c.send(
                #"{"command":"start_dhcp","id":"gone","container_name":"plc1","vnic_name":"eth0","mac_address":"02:de:ad:be:ef:01","container_pid":999999999}"#)
            #expect(c.reply(id: "gone")?.string("code") == "no_such_process")
        }

        // Blocking work (processes, sockets, polls) runs on a thread of its own, never on the
        // two-thread cooperative pool the in-process suites need.
        @Test func clientThatDoesNotReadIsDroppedOthersKeepWorking() async throws { try await DockerLab.blocking { try Self().clientThatDoesNotReadIsDroppedOthersKeepWorkingBody() } }
        func clientThatDoesNotReadIsDroppedOthersKeepWorkingBody() throws {
            let lab = try SidecarLab("slowreader", arguments: ["--debounce-ms", "0"])
            defer { lab.shutdown() }
            let stuck = try LineClient(path: lab.socketPath)  // never reads
            var size: Int32 = 4096
            setsockopt(stuck.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            let (reader, _) = try lab.connect()
            // get_interfaces replies of ~1 KiB each: the stuck client's queue passes 4 MiB after a few thousand.
            let request = Array(#"{"command":"get_interfaces","id":1}"#.utf8) + [UInt8(ascii: "\n")]
            let batch = Array([[UInt8]](repeating: request, count: 500).joined())
            var dropped = false
            for _ in 0..<80 where !dropped {
                _ = try? stuck.sendRaw(batch)  // fails with EPIPE once the sidecar dropped it
                try reader.send(#"{"command":"get_status","id":"s"}"#)
                let s = reader.reply(id: "s", timeout: 20)
                #expect(s?["success"] == true, "\(lab.process.log.suffix(2000))")
                dropped = s?["clients"] == 1
            }
            #expect(dropped, "the stuck client was never dropped")
            #expect(lab.process.log.contains("not reading"))
        }
    }
}

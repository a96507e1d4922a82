import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// The local operator door: same contracts as the cloud, root only, audited, robust against
/// bad lines; `orchestrator-agent ctl` against a running daemon.
@Suite("Local door", .labThreads)
struct LocalDoorTests {
    let lab: PluginLab
    let config: String

    init() throws {
        lab = try PluginLab()
        let greeter = try lab.install("agent-example-swift")
        // The socket in the lab's 0755 root (not the 0700 state folder), so that only the socket's
        // own mode and the peer check stand between another uid and the door.
        config = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: greeter)],
            extra: ["local_door": ["socket": .string(lab.root + "/agent.sock")]])
    }

    var socket: String { lab.root + "/agent.sock" }

    /// Runs `body` with an in-process agent whose door is open.
    func withDoor(_ body: (Agent) async throws -> Void) async throws {
        let agent = try lab.agent(configPath: config)
        let ops = try OperatorServices(agent: agent, openDoor: true)
        do { try await body(agent) } catch {
            ops.close()
            await agent.shutdown()
            throw error
        }
        ops.close()
        await agent.shutdown()
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket file is removed on close")
    }

    /// Sends raw lines with python (a separate process, optionally as another uid) and returns
    /// what came back before the door closed or 15 s passed.
    func raw(_ lines: [String], asUID uid: Int? = nil) throws -> String {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print("CONNECT_FAILED", e.errno); sys.exit(0)
            s.settimeout(15)
            try:
                s.sendall(sys.stdin.buffer.read())
            except OSError:
                pass  # a refused peer is closed at once; what the door said is still readable
            out = b""
            try:
                while out.count(b"\\n") < int(sys.argv[2]):
                    chunk = s.recv(65536)
                    if not chunk: break
                    out += chunk
            except socket.timeout:
                pass
            sys.stdout.write(out.decode())
            """
        var argv = ["/usr/bin/python3", "-c", script, socket, String(lines.count)]
        if let uid { argv = ["/usr/bin/setpriv", "--reuid", String(uid), "--regid", String(uid), "--clear-groups"] + argv }
        let r = try run(argv[0], Array(argv.dropFirst()), stdin: lines.map { $0 + "\n" }.joined())
        return r.stdout
    }

    @Test func answersLikeTheCloudPathAndIsAuditedAsLocal() async throws {
        try await withDoor { agent in
            // The client blocks: it runs on a thread of its own, never on the cooperative pool.
            let path = socket
            let (viaDoor, invalid) = try await DockerLab.blocking {
                let client = try DoorClient(path: path)
                return (
                    try client.call(topic: "example_hello", message: ["name": "Ada", "correlation_id": 7]),
                    try client.call(topic: "example_hello", message: ["name": 3])
                )
            }
            let direct = await agent.send("example_hello", #"{"name":"Ada","correlation_id":7}"#)
            #expect(viaDoor["greeting"] == direct["greeting"] && viaDoor["correlation_id"] == .number(7))
            #expect(invalid["code"]?.stringValue == "invalid_type" && invalid["field"]?.stringValue == "name")
            let entries = AuditTrail.tail(directory: lab.stateDir + "/audit", count: 10)
            #expect(entries.first?["who"]?.stringValue == "local:uid=0,pid=\(getpid())", "\(entries)")
            #expect(entries.count == 3 && AuditVerifier.verify(directory: lab.stateDir + "/audit").ok)
        }
    }

    @Test func badLinesGetTypedErrorsAndTheConnectionKeepsWorking() async throws {
        try await withDoor { _ in
            let out = try await DockerLab.blocking {
                try raw([
                    "not json", #"[1,2]"#, #"{"topic":""}"#, #"{"topic":"example_hello","events":"yes"}"#,
                    #"{"id":"x","topic":"example_hello","message":"a string"}"#,
                    #"{"id":"ok","topic":"example_hello","message":{"name":"Bo"}}"#,
                ])
            }
            let replies = out.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)).objectValue }
            try #require(replies.count == 6, "\(out)")
            #expect(replies.prefix(4).map { $0["error"]?.objectValue?["code"]?.stringValue } == ["invalid_json", "invalid_request", "invalid_request", "invalid_request"])
            #expect(replies[4]["response"]?.objectValue?["code"]?.stringValue == "invalid_payload" && replies[4]["id"] == "x")
            #expect(replies[5]["id"] == "ok" && replies[5]["response"]?.objectValue?["greeting"] != nil)
        }
    }

    @Test func otherUsersCannotUseIt() async throws {
        try await withDoor { _ in
            // Mode 0600: the kernel refuses the connect.
            let denied = try await DockerLab.blocking { try raw([#"{"topic":"example_hello","message":{"name":"x"}}"#], asUID: 65534) }
            #expect(denied.hasPrefix("CONNECT_FAILED 13"), "\(denied)")
            // Even with the file mode opened up, the peer check refuses uid 65534.
            chmod(socket, 0o666)
            let refused = try await DockerLab.blocking { try raw([#"{"topic":"example_hello","message":{"name":"x"}}"#], asUID: 65534) }
            let reply = try JSONParser.parse(Array(refused.utf8)).objectValue
            #expect(reply?["error"]?.objectValue?["code"]?.stringValue == "forbidden", "\(refused)")
            #expect(AuditTrail.tail(directory: lab.stateDir + "/audit", count: 10).isEmpty, "a refused peer runs nothing")
        }
    }

    @Test func eventsAreForwardedOnRequest() async throws {
        try await withDoor { _ in
            let out = try await DockerLab.blocking {
                try raw([#"{"topic":"example_emit_later","message":{"delay_ms":50,"count":2,"tag":"door"},"events":true}"#, "", ""])
            }
            let lines = out.split(separator: "\n").compactMap { try? JSONParser.parse(Array($0.utf8)).objectValue }
            #expect(lines.contains { $0["response"] != nil }, "\(out)")
            #expect(lines.filter { $0["event"] != nil }.count == 2, "\(out)")
        }
    }

    @Test func aSecondDaemonOnTheSameSocketIsRefused() async throws {
        try await withDoor { agent in
            #expect(throws: AgentCoreError.self) { _ = try LocalDoor(path: socket, dispatcher: agent.dispatcher, logger: agent.services.logger) }
        }
    }

    @Test func ctlTalksToARunningDaemon() async throws {
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
        daemon.arguments = ["run", "--config", config, "--log-level", "warning"]
        try daemon.run()
        let stop = { @Sendable in _ = try? await DockerLab.blocking { terminate(daemon) } }
        do { try await ctlAgainst(daemon: daemon) } catch {
            await stop()
            throw error
        }
        await stop()
        let ctl = BuildProducts.executable("orchestrator-agent")
        let (socket, config) = (socket, config)
        let none = try await DockerLab.blocking { try run(ctl, ["ctl", "--socket", socket, "get_agent_config"]) }
        #expect(none.code == 2 && none.output.contains("no agent answers"), "exit 2 as `ctl --help` says: \(none.output)")
        let verify = try await DockerLab.blocking { try run(ctl, ["audit", "verify", "--config", config]) }
        #expect(verify.code == 0 && verify.stdout.hasPrefix("OK 4 entries"), "\(verify.output)")
    }

    func ctlAgainst(daemon: Process) async throws {
        var up = false
        for _ in 0..<100 where !up {
            up = FileManager.default.fileExists(atPath: socket)
            if !up { try await Task.sleep(for: .milliseconds(100)) }  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        #expect(up)
        let ctl = BuildProducts.executable("orchestrator-agent")
        let ok = try await DockerLab.blocking { try run(ctl, ["ctl", "--config", config, "example_hello", #"{"name":"Ada"}"#]) }
        #expect(ok.code == 0 && ok.stdout.contains("Hello, Ada!"), "\(ok.output)")
        let err = try await DockerLab.blocking { try run(ctl, ["ctl", "--socket", socket, "example_hello", #"{}"#]) }
        #expect(err.code == 3 && err.stdout.contains("missing_field"), "\(err.output)")
        let toggled = try await DockerLab.blocking {
            try run(ctl, ["ctl", "--config", config, "set_site_toggles", #"{"topics":{"example_hello":false}}"#])
        }
        #expect(toggled.code == 0, "\(toggled.output)")
        let off = try await DockerLab.blocking { try run(ctl, ["ctl", "--config", config, "example_hello", #"{"name":"Ada"}"#]) }
        #expect(off.code == 3 && off.stdout.contains("disabled"), "\(off.output)")
    }
}

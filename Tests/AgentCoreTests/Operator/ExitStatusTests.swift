import Foundation
import LabSupport
import Testing

/// The exit statuses the commands' `--help` and docs/troubleshooting.md ("Exit statuses")
/// document, one test per status not already proved elsewhere (`ctl` 0 and 3 against a real
/// daemon: ``LocalDoorTests``; `check` 0 and 1: ``CheckTests``; `invoke` 0 and 3: ``CLITests``;
/// `plugins` and `audit verify`: ``CLITests``, ``AuditTrailTests``). What only a daemon's answer
/// decides (an operation that fails, a door that refuses, a takeover plan with a blocking
/// finding) comes from a stand-in door: `socat` speaking the door's JSON lines, saying exactly
/// what a daemon would, without a plugin that produces that answer.
@Suite("Exit statuses of the commands", .labThreads)
struct ExitStatusTests {
    let binary = BuildProducts.executable("orchestrator-agent")

    @Test("ctl 1: the site config cannot be used (named in plain words)")
    func ctlConfigUnusable() throws {
        let r = try run(binary, ["ctl", "--config", "/nonexistent/site.json", "get_agent_config"])
        #expect(r.code == 1, "\(r.output)")
        #expect(r.output.contains("No such file or directory"), "\(r.output)")
    }

    @Test("ctl 2: nobody answers on the socket")
    func ctlNoDaemon() throws {
        let r = try run(binary, ["ctl", "--socket", "/nonexistent/agent.sock", "get_agent_config"])
        #expect(r.code == 2, "\(r.output)")
        #expect(r.output.contains("door_unavailable") && r.output.contains("no agent answers"), "\(r.output)")
    }

    @Test("ctl 2: the door refuses the connection")
    func ctlDoorRefuses() async throws {
        let door = try StandInDoor(#"{"id":1,"error":{"code":"forbidden","message":"root only"}}"#)
        defer { door.stop() }
        let socket = door.socket
        let r = try await DockerLab.blocking { try run(binary, ["ctl", "--socket", socket, "get_agent_config"]) }
        #expect(r.code == 2, "\(r.output)")
        #expect(r.output.contains("forbidden: root only"), "\(r.output)")
    }

    @Test("ctl 4: --wait follows an operation that fails")
    func ctlOperationFails() async throws {
        let door = try StandInDoor(
            #"{"id":1,"response":{"status":"accepted","operation_id":"op-1"}}"#,
            #"{"event":"operation_update","payload":{"operation_id":"op-1","status":"failed"}}"#)
        defer { door.stop() }
        let socket = door.socket
        let r = try await DockerLab.blocking { try run(binary, ["ctl", "--socket", socket, "--wait", "delete_device", "{}"]) }
        #expect(r.code == 4, "\(r.output)")
        #expect(r.stdout.contains(#""operation_id":"op-1""#), "the response is printed on stdout: \(r.output)")
        #expect(r.output.contains(#""status":"failed""#), "the update is printed on stderr: \(r.output)")
    }

    @Test("ctl 4: --wait gives up after --timeout")
    func ctlOperationTimesOut() async throws {
        let door = try StandInDoor(#"{"id":1,"response":{"status":"accepted","operation_id":"op-2"}}"#, holdSeconds: 10)
        defer { door.stop() }
        let socket = door.socket
        let r = try await DockerLab.blocking {
            try run(binary, ["ctl", "--socket", socket, "--wait", "--timeout", "1", "delete_device", "{}"])
        }
        #expect(r.code == 4, "\(r.output)")
        #expect(door.holding, "ended by --timeout while the door still held the connection open")
    }

    @Test("ctl 64: the message is not JSON")
    func ctlUsage() throws {
        let r = try run(binary, ["ctl", "--socket", "/nonexistent/agent.sock", "get_agent_config", "{not json"])
        #expect(r.code == 64, "\(r.output)")
        #expect(r.output.contains("not valid JSON"), "\(r.output)")
    }

    @Test("adopt 0 / 5: the plan the daemon ran, without and with a finding that blocks an adoption")
    func adoptPlan() async throws {
        let clean = try StandInDoor(#"{"id":1,"response":{"status":"success","adopt":[],"findings":[]}}"#)
        let cleanSocket = clean.socket
        let ok = try await DockerLab.blocking { try run(binary, ["adopt", "--config", "/unused.json", "--socket", cleanSocket]) }
        clean.stop()
        #expect(ok.code == 0, "\(ok.output)")
        let blocked = try StandInDoor(
            #"{"id":1,"response":{"status":"success","adopt":[],"findings":[{"device_id":"plc1","code":"wifi_vnic","blocks_adoption":true}]}}"#)
        defer { blocked.stop() }
        let blockedSocket = blocked.socket
        let r = try await DockerLab.blocking { try run(binary, ["adopt", "--config", "/unused.json", "--socket", blockedSocket]) }
        #expect(r.code == 5, "\(r.output)")
        #expect(r.stdout.contains("wifi_vnic"), "\(r.output)")
    }

    @Test("adopt 1, 2, 3, 64: no config, no daemon, an error response, a usage error")
    func adoptFailures() async throws {
        let noConfig = try run(binary, ["adopt", "--config", "/nonexistent/site.json", "--dry-run"])
        #expect(noConfig.code == 1 && noConfig.output.contains("No such file or directory"), "\(noConfig.output)")
        let noDaemon = try run(binary, ["adopt", "--config", "/unused.json", "--socket", "/nonexistent/agent.sock"])
        #expect(noDaemon.code == 2 && noDaemon.output.contains("no agent answers"), "\(noDaemon.output)")
        let door = try StandInDoor(#"{"id":1,"response":{"status":"error","code":"busy","message":"a takeover runs"}}"#)
        defer { door.stop() }
        let socket = door.socket
        let error = try await DockerLab.blocking { try run(binary, ["adopt", "--config", "/unused.json", "--socket", socket]) }
        #expect(error.code == 3, "\(error.output)")
        let usage = try run(binary, ["adopt", "--dry-run"])
        #expect(usage.code == 64 && usage.output.contains("--config"), "\(usage.output)")
    }

    @Test("invoke 1 and 64; check 64")
    func invokeAndCheck() throws {
        let noConfig = try run(binary, ["invoke", "--config", "/nonexistent/site.json", "example_hello", "{}"])
        #expect(noConfig.code == 1 && noConfig.output.contains("No such file or directory"), "\(noConfig.output)")
        let usage = try run(binary, ["invoke", "--config", "/nonexistent/site.json"])
        #expect(usage.code == 64, "a topic is required: \(usage.output)")
        let checkUsage = try run(binary, ["check", "--config", "/nonexistent/site.json", "--warn-days", "99999"])
        #expect(checkUsage.code == 64 && checkUsage.output.contains("--warn-days"), "\(checkUsage.output)")
    }
}

/// A one-connection stand-in for the daemon's local door: `socat` reads the request line and
/// writes `lines`, then keeps the connection open for `holdSeconds`.
private final class StandInDoor {
    let socket: String
    private let folder: String
    private let process: Process

    init(_ lines: String..., holdSeconds: Int = 0) throws {
        folder = "/tmp/stand-in-door-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        socket = folder + "/door.sock"
        let script = folder + "/answer.sh"
        let body = lines.map { "printf '%s\\n' '\($0)'" }.joined(separator: "\n")
        try Data("#!/bin/sh\nread -r _\n\(body)\nsleep \(holdSeconds)\n".utf8).write(to: URL(fileURLWithPath: script))
        chmod(script, 0o755)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        process.arguments = ["UNIX-LISTEN:\(socket)", "EXEC:\(script)"]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        guard FileManager.default.fileExists(atPath: socket) else {
            terminate(process)
            throw LabError("socat did not listen on \(socket) (is socat installed? scripts/test installs it)")
        }
    }

    /// Whether the door still holds its connection (its answer script has not ended).
    var holding: Bool { !childGone(process) }

    func stop() {
        terminate(process)
        try? FileManager.default.removeItem(atPath: folder)  // harmless: a scratch folder of this test
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

/// What breaks on a plant: the agent killed mid-operation, the engine restarting, a PLC process
/// dying, a PLC that keeps crashing. All against the real engine, on Docker and on Podman from
/// one definition each.
extension VPLCLab {
@Suite("recovery and supervision")
struct Resilience {
    @Test("agent SIGKILLed mid-create (container made, not started): the next start rolls it back; a new create works", arguments: LabEngine.allCases)
    func killMidCreate(engine: LabEngine) async throws {
        // The create pauses when it reaches `starting_container`: its internal bridge and its
        // container exist, so the rollback has real work to do.
        let h = try await VPLCHarness(runtime: ["fault_injection": ["pause_at_step": "starting_container", "pause_ms": 30000]], engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("crash")
        let ack = try await h.call("create_new_runtime", h.createRequest(device, host: 40))
        let id = try #require(ack["operation_id"]?.stringValue)
        let paused = try await h.waitStatus(device) { $0["step"] == "starting_container" }
        #expect(paused["status"] == "creating", "\(paused)")
        let made = try await h.engineObjects(device)
        #expect(made.containers.count == 1 && made.networks.count == 1, "before the kill: \(made)")
        try await h.crashAndRestartAgent()
        let end = try await h.operationEnd(id, seconds: 30)
        #expect(end["status"] == "rolled_back" && end["code"] == "interrupted", "\(end)")
        try await h.expectNothingLeft(device)
        #expect(try await h.status(device)["status"] == "error")

        let again = try await h.operate("create_new_runtime", h.createRequest(device, host: 40))
        #expect(again.end["status"] == "succeeded")
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    @Test("agent SIGKILLed mid-delete: the next start finishes the delete", arguments: LabEngine.allCases)
    func killMidDelete(engine: LabEngine) async throws {
        let h = try await VPLCHarness(runtime: ["fault_injection": ["pause_at_step": "removing_networks", "pause_ms": 30000]], engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("half")
        try await h.createRunning(device, host: 39)
        let ack = try await h.call("delete_device", ["device_id": .string(device)])
        let id = try #require(ack["operation_id"]?.stringValue)
        _ = try await h.waitStatus(device) { $0["step"] == "removing_networks" }
        #expect(try await h.engineObjects(device).networks.count == 1, "the internal bridge is still there")
        try await h.crashAndRestartAgent()
        let end = try await h.operationEnd(id, seconds: 20)
        #expect(end["status"] == "succeeded", "\(end)")
        try await h.expectNothingLeft(device)
        #expect(try await h.status(device)["status"] == "not_found")
        await h.shutdown()
    }

    @Test("agent restart: vPLCs that should run are started again; a lost store is rebuilt from the engine's labels", arguments: LabEngine.allCases)
    func agentRestartAndAdoption(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("adopt")
        try await h.createRunning(device, host: 38)
        let mac = try await h.status(device)["networks"]?.objectValue?.entries.first?.value.objectValue?["mac_address"]
        let dying = h.agent
        try await DockerLab.blocking { dying.kill9() }
        // While the agent is down, the PLC stops and the agent's state is lost.
        _ = try await h.lab.engineAPI("POST", "/containers/\(device)/stop?t=1")
        let storeFile = h.agent.lab.stateDir + "/store/io.autonomy.runtime.json"
        #expect(FileManager.default.fileExists(atPath: storeFile))
        try FileManager.default.removeItem(atPath: storeFile)
        try await h.crashAndRestartAgent()
        let back = try await h.waitStatus(device, seconds: 20) { $0["is_running"] == true }
        #expect(back["is_running"] == true && back["desired_state"] == "running", "\(back)")
        #expect(back["networks"]?.objectValue?.entries.first?.value.objectValue?["mac_address"] == mac)
        let list = try await h.call("list_devices", [:])
        #expect(list["devices"]?.arrayValue?.contains { $0.objectValue?["device_id"] == .string(device) } == true)
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    @Test("a vPLC whose process dies is restarted; a running one is never touched", arguments: LabEngine.allCases)
    func restartAfterDeath(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("die")
        let other = uniqueDevice("calm")
        try await h.createRunning(device, host: 41)
        try await h.createRunning(other, host: 42)
        let calmStarted = try await h.engineState(other)?["StartedAt"]
        let pid = try #require(try await h.engineState(device)?["Pid"]?.numberValue)
        kill(pid_t(pid), SIGKILL)  // the PLC process dies (not a docker stop)
        let back = try await h.waitStatus(device, seconds: 15) { $0["is_running"] == true && $0["restart_count"] == 1 }
        #expect(back["is_running"] == true && back["restart_count"] == 1, "\(back)")
        #expect(try await h.engineState(other)?["StartedAt"] == calmStarted)
        try await h.deleteExpectingNothingLeft(device)
        try await h.deleteExpectingNothingLeft(other)
        await h.shutdown()
    }

    @Test("a crash loop stops the restarts, is reported to the cloud, and start_device clears it", arguments: LabEngine.allCases)
    func crashLoop(engine: LabEngine) async throws {
        let h = try await VPLCHarness(runtime: ["crash_loop_limit": 2, "crash_loop_window_s": 600], engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("loop")
        try await h.createRunning(device, host: 43)
        for round in 1...3 {
            _ = try await h.waitStatus(device) { $0["is_running"] == true }
            _ = try await h.lab.engineAPI("POST", "/containers/\(device)/kill")
            if round < 3 {
                _ = try await h.waitStatus(device) { $0["restart_count"] == .number(Double(round)) && $0["is_running"] == true }
            }
        }
        let reported = try await h.cloud.waitUntil(seconds: 15) { try await !h.cloud.events(named: "device_crash_loop").isEmpty }
        #expect(reported)
        let event = try await h.cloud.events(named: "device_crash_loop").first?["args"]?.arrayValue?.first?.objectValue
        #expect(event?["device_id"] == .string(device))
        let reportedMark = h.logMark()
        #expect(await h.waitLogLine(after: reportedMark, containing: ["lifecycle: health check done"]), "a health check ran after the crash loop")
        let s = try await h.status(device)
        #expect(s["is_running"] == false && s["crash_loop"] == true, "\(s)")
        let start = try await h.operate("start_device", ["device_id": .string(device)])
        #expect(start.end["status"] == "succeeded")
        let after = try await h.status(device)
        #expect(after["is_running"] == true && after["crash_loop"] == nil)
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    /// Three engine restarts with a crash-loop limit of 2: the vPLC comes back every time — an
    /// engine restart is not a crash of the vPLC (before, the guard counted them, and after five
    /// dockerd restarts in ten minutes healthy vPLCs stayed down: the full fault run). dockerd
    /// takes its containers down with it; the Podman service does not (each container runs under
    /// its conmon), so there the vPLC is never restarted at all.
    @Test("the engine restarts under a running agent (more often than the crash-loop limit): vPLCs that should run run again, stopped ones stay stopped", arguments: LabEngine.allCases)
    func dockerdRestart(engine: LabEngine) async throws {
        // A lab of its own: restarting the shared engine would disturb the other lab suites.
        let lab = try await DockerLab.blocking { try DockerLab.dedicated("restart", engine: engine) }
        defer { lab.down() }
        let h = try await VPLCHarness(runtime: ["crash_loop_limit": 2, "crash_loop_window_s": 600], lab: lab)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let running = uniqueDevice("up")
        let stopped = uniqueDevice("down")
        try await h.createRunning(running, host: 44)
        try await h.createRunning(stopped, host: 45)
        #expect(try await h.operate("stop_device", ["device_id": .string(stopped)]).end["status"] == "succeeded")
        let startedBefore = try await h.engineState(running)?["StartedAt"]
        let restarting = h.lab
        for round in 1...3 {
            try await DockerLab.blocking { try restarting.restartDockerd() }
            let back = try await h.waitStatus(running, seconds: 30) { $0["is_running"] == true }
            #expect(back["is_running"] == true, "round \(round): \(back)\n\(h.agent.log.contents.suffix(3000))")
        }
        #expect(try await h.cloud.events(named: "device_crash_loop").isEmpty)
        #expect(try await h.status(running)["crash_loop"] == nil)
        if engine == .podman {
            #expect(try await h.engineState(running)?["StartedAt"] == startedBefore, "containers outlive the Podman service: not restarted")
        }
        #expect(try await h.status(stopped)["is_running"] == false)
        let reply = try await h.fromLAN("https://\(h.lab.lanAddress(44)):8443/api/version")
        #expect(reply.stdout.contains("lab-standin"))
        try await h.deleteExpectingNothingLeft(running)
        try await h.deleteExpectingNothingLeft(stopped)
        await h.shutdown()
    }

    @Test("consumption of a vPLC comes from the usage sampler (engine stats here: the agent runs in the lab namespace, where the cgroup mounts are not visible)", arguments: LabEngine.allCases)
    func consumption(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("use")
        try await h.createRunning(device, host: 46)
        var r: JSONObject = [:]
        _ = try await h.cloud.waitUntil(seconds: 10) {
            r = try await h.call("get_consumption_device", ["device_id": .string(device), "cpuPeriod": "1h", "memoryPeriod": "1h"])
            return (r["memory_usage"]?.arrayValue?.count ?? 0) >= 2
        }
        #expect(r["memory"] == "unlimited" && r["cpu"] == "unlimited", "\(r)")
        #expect((r["memory_usage"]?.arrayValue?.count ?? 0) >= 2)
        #expect(r["status"] == nil)

        // The host's own consumption (libagent-host-topics records it every 500 ms here).
        var host: JSONObject = [:]
        _ = try await h.cloud.waitUntil(seconds: 10) {
            host = try await h.call("get_consumption_orchestrator", ["cpuPeriod": "1h", "memoryPeriod": "10m"])
            return (host["cpu_usage"]?.arrayValue?.count ?? 0) >= 2
        }
        #expect((host["cpu_usage"]?.arrayValue?.count ?? 0) >= 2, "\(host)")
        #expect((host["memory_usage"]?.arrayValue?.first?.objectValue?["memory"]?.numberValue ?? 0) > 0)
        #expect((host["memory"]?.numberValue ?? 0) > 0 && (host["cpu"]?.numberValue ?? 0) >= 1 && (host["disk"]?.numberValue ?? 0) > 0)
        #expect(host["kernel"]?.stringValue?.isEmpty == false && host["os"]?.stringValue?.isEmpty == false)
        // The agent runs in the lab namespace: its addresses are the lab's (eth-lab has none), never loopback.
        #expect(host["ip_addresses"]?.arrayValue?.allSatisfy { $0.objectValue?["ip_address"]?.stringValue?.hasPrefix("127.") == false } == true)
        #expect(host["status"] == nil)
        let bad = try await h.call("get_consumption_orchestrator", ["cpuPeriod": "1h"])
        #expect(bad["status"] == "error" && bad["field"] == "memoryPeriod")
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }
}
}

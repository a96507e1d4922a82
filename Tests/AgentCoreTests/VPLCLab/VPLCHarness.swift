import AgentJSON
import Foundation
import LabSupport
import Testing

/// Every vPLC lab suite, one at a time: the suites share one engine, and an agent adopts every
/// container labelled as the agent's on its engine (one agent per engine, as on a plant), so two
/// agents running at once would adopt each other's vPLCs.
@Suite("vPLC lab", .serialized, .labThreads)
enum VPLCLab {}

/// One agent (transport, host topics, the lab engine's driver — Docker's or Podman's — and the
/// vPLC plugin) and one lab cloud, both inside the lab's namespace (so `run_command` reaches the vPLCs' internal bridges), driven
/// through the cloud's control API. Everything it starts is stopped by PID in `stop()`/deinit.
final class VPLCHarness: @unchecked Sendable {
    let lab: DockerLab
    let cloud: LabCloud
    private(set) var agent: AgentUnderTest
    /// The netmon sidecar (in the lab namespace) when the harness was made with `netmon: true`.
    let sidecar: SidecarUnderTest?

    /// - Parameters:
    ///   - runtime: extra `io.autonomy.runtime` config (merged over the lab defaults).
    ///   - lab: a lab of its own (tests that restart dockerd); the process's shared lab of
    ///     `engine` otherwise.
    ///   - engine: the container engine (and so the driver plugin) when `lab` is not given.
    ///   - netmon: also run the netmon sidecar and load the listener plugin.
    ///   - sidecarArguments: extra sidecar flags (e.g. `--sysfs-root`, `--test-devices`).
    init(
        runtime: JSONObject = [:], lab: DockerLab? = nil, engine: LabEngine = .docker, netmon: Bool = false, sidecarArguments: [String] = []
    ) async throws {
        // Every blocking fixture step runs on a thread of its own (DockerLab.blocking): the
        // cooperative pool has two threads on this machine, and the other suites need them.
        let theLab: DockerLab
        if let lab { theLab = lab } else { theLab = try await DockerLab.sharedAsync(engine) }
        self.lab = theLab
        cloud = try await DockerLab.blocking { try LabCloud(netns: theLab.labNamespace) }
        var config: JSONObject = [
            "image_repository": .string(self.lab.runtimeImageRepo), "restart_delay_ms": 300,
            "health_interval_ms": 2000, "usage_interval_ms": 1000,
        ]
        for (k, v) in runtime.entries { config[k] = v }
        let theCloud = cloud
        let runtimeConfig = config
        sidecar = netmon ? try await DockerLab.blocking { try SidecarUnderTest(netns: theLab.labNamespace, arguments: sidecarArguments) } : nil
        var plugins: [(product: String, id: String, config: JSONObject)] = [
            Self.driverPlugin(theLab),
            ("agent-runtime", "io.autonomy.runtime", runtimeConfig),
        ]
        if let sidecar { plugins.append(("agent-netmon", "io.autonomy.netmon", ["socket": .string(sidecar.socketPath)])) }
        let extra = plugins
        agent = try await DockerLab.blocking {
            // The runtime at debug level: its lifecycle marks ("lifecycle: …") are what tests wait on.
            try AgentUnderTest(
                cloud: theCloud, netns: theLab.labNamespace, extraPlugins: extra, pluginLogLevels: ["io.autonomy.runtime": "debug"])
        }
        try await waitConnected()
    }

    /// The driver plugin of `lab`'s engine: (product, plugin id, config).
    static func driverPlugin(_ lab: DockerLab) -> (product: String, id: String, config: JSONObject) {
        switch lab.engine {
        case .docker: return ("agent-docker", "io.autonomy.docker", ["socket": .string(lab.socketPath)])
        case .podman: return ("agent-podman", "io.autonomy.podman", ["socket": .string(lab.socketPath)])
        }
    }

    func waitConnected() async throws {
        guard try await cloud.waitUntil(seconds: 20, { try await !cloud.liveConnections().isEmpty }) else {
            throw LabError("the agent did not connect; log:\n\(agent.log.contents)")
        }
    }

    /// Kills the agent with SIGKILL and starts it again on the same state, without the fault
    /// injection it may have been configured with. `whileDown` runs (on a thread of its own)
    /// between the kill and the new start.
    func crashAndRestartAgent(whileDown: (@Sendable () throws -> Void)? = nil) async throws {
        let old = agent
        try await DockerLab.blocking { old.kill9() }
        if let whileDown { try await DockerLab.blocking(whileDown) }
        try changeRuntimeConfig { $0["fault_injection"] = nil }
        agent = try await DockerLab.blocking { try AgentUnderTest(restarting: old) }
        try await waitConnected()
    }

    /// Kills the agent with SIGKILL, merges `runtime` into the runtime plugin's config, then for
    /// each delay in `killsAfterMs` starts an agent and kills it that many milliseconds later (a
    /// kill at some point of its start), and last starts one that stays.
    func restartAgent(runtime: JSONObject, killsAfterMs: [Int]) async throws {
        let old = agent
        try await DockerLab.blocking { old.kill9() }
        try changeRuntimeConfig { c in for (k, v) in runtime.entries { c[k] = v } }
        var previous = old
        for delay in killsAfterMs {
            let from = previous
            previous = try await DockerLab.blocking {
                let started = try AgentUnderTest(restarting: from)
                usleep(UInt32(delay) * 1000)  // sleep-audit: input (the kill point)
                started.kill9()
                return started
            }
        }
        let from = previous
        agent = try await DockerLab.blocking { try AgentUnderTest(restarting: from) }
        try await waitConnected()
    }

    /// Rewrites the runtime plugin's config in the agent's config file.
    private func changeRuntimeConfig(_ change: (inout JSONObject) -> Void) throws {
        let path = agent.configPath
        guard var doc = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue,
            var plugins = doc["plugins"]?.objectValue, let load = plugins["load"]?.arrayValue
        else { return }
        plugins["load"] = .array(
            load.map { entry in
                guard var e = entry.objectValue, e["id"] == "io.autonomy.runtime", var c = e["config"]?.objectValue else { return entry }
                change(&c)
                e["config"] = .object(c)
                return .object(e)
            })
        doc["plugins"] = .object(plugins)
        try Data(JSONWriter.bytes(.object(doc))).write(to: URL(fileURLWithPath: path))
    }

    /// Stops the agent and the cloud (SIGTERM, then SIGKILL) on a thread of its own; call it at
    /// the end of a test. (`deinit` stops them too, blocking, as a last resort.)
    func shutdown() async {
        let (a, c, s) = (agent, cloud, sidecar)
        _ = try? await DockerLab.blocking {
            a.stop()
            c.stop()
            s?.stop()
        }
    }

    func stop() {
        agent.stop()
        cloud.stop()
        sidecar?.stop()
    }

    deinit { stop() }

    // MARK: commands

    /// Sends a command through the cloud and returns the ack object.
    func call(_ topic: String, _ payload: JSONObject, timeout: Double = 20) async throws -> JSONObject {
        let ack = try await cloud.call(topic, .object(payload), timeout: timeout)
        guard let first = ack.first?.objectValue else { throw LabError("ack of \(topic) is not an object: \(ack)") }
        return first
    }

    /// Waits for the `operation_update` event of `operationID` and returns it.
    func operationEnd(_ operationID: String, seconds: Double = 60) async throws -> JSONObject {
        var found: JSONObject? = nil
        _ = try await cloud.waitUntil(seconds: seconds) {
            found = try await self.updates().first { $0["operation_id"]?.stringValue == operationID }
            return found != nil
        }
        guard let found else {
            throw LabError("no operation_update for \(operationID) within \(seconds) s; agent log:\n\(agent.log.contents.suffix(4000))")
        }
        return found
    }

    /// Every `operation_update` payload the cloud received.
    func updates() async throws -> [JSONObject] {
        try await cloud.events(named: "operation_update").compactMap { $0["args"]?.arrayValue?.first?.objectValue }
    }

    /// Sends a long operation, checks its ack, and waits for its end.
    func operate(_ topic: String, _ payload: JSONObject, seconds: Double = 60) async throws -> (ack: JSONObject, end: JSONObject) {
        let ack = try await call(topic, payload)
        guard let id = ack["operation_id"]?.stringValue else { throw LabError("\(topic) ack without operation_id: \(ack)") }
        return (ack, try await operationEnd(id, seconds: seconds))
    }

    /// Creates a vPLC with one static vNIC (`.host` on the lab LAN); records an issue unless the
    /// create succeeds.
    func createRunning(_ device: String, host: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let end = try await operate("create_new_runtime", createRequest(device, host: host)).end
        #expect(end["status"] == "succeeded", "\(end)", sourceLocation: sourceLocation)
    }

    /// Deletes a vPLC; records an issue unless the delete succeeds and the engine holds no object
    /// of it afterwards.
    func deleteExpectingNothingLeft(_ device: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let end = try await operate("delete_device", ["device_id": .string(device)]).end
        #expect(end["status"] == "succeeded", "\(end)", sourceLocation: sourceLocation)
        try await expectNothingLeft(device, sourceLocation: sourceLocation)
    }

    /// Records an issue if the engine holds a container or network of `device`.
    func expectNothingLeft(_ device: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let left = try await engineObjects(device)
        #expect(left.containers.isEmpty && left.networks.isEmpty, "left behind: \(left)", sourceLocation: sourceLocation)
    }

    func status(_ device: String) async throws -> JSONObject {
        try await call("get_device_status", ["device_id": .string(device)])
    }

    /// Polls `get_device_status` until `condition` holds.
    func waitStatus(_ device: String, seconds: Double = 20, _ condition: @escaping (JSONObject) -> Bool) async throws -> JSONObject {
        var last: JSONObject = [:]
        _ = try await cloud.waitUntil(seconds: seconds) {
            last = try await self.status(device)
            return condition(last)
        }
        return last
    }

    // MARK: requests

    /// A create request with one static vNIC on the lab LAN.
    func createRequest(_ device: String, host: Int, correlation: Int? = nil, version: String? = nil) -> JSONObject {
        var m: JSONObject = [
            "container_name": .string(device),
            "vnic_configs": [
                [
                    "name": "lan", "parent_interface": .string(lab.parentInterface), "network_mode": "static",
                    "ip": .string(lab.lanAddress(host)), "subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway),
                ]
            ],
        ]
        if let correlation { m["correlation_id"] = .number(Double(correlation)) }
        if let version { m["runtime_version"] = .string(version) }
        return m
    }

    // MARK: engine checks (independent of the code under test)

    /// Containers and networks labelled as the agent's that mention `device`.
    func engineObjects(_ device: String) async throws -> (containers: [String], networks: [String]) {
        let filter = "%7B%22label%22%3A%5B%22io.autonomy.device%3D\(device)%22%5D%7D"
        let c = try await lab.engineAPI("GET", "/containers/json?all=1&filters=\(filter)")
        let n = try await lab.engineAPI("GET", "/networks?filters=\(filter)")
        let names = (c.json?.arrayValue ?? []).compactMap { $0.objectValue?["Names"]?.arrayValue?.first?.stringValue }
        let nets = (n.json?.arrayValue ?? []).compactMap { $0.objectValue?["Name"]?.stringValue }
        return (names, nets)
    }

    /// The container's `State` from the engine.
    func engineState(_ device: String) async throws -> JSONObject? {
        let r = try await lab.engineAPI("GET", "/containers/\(device)/json")
        return r.status == 200 ? r.json?.objectValue?["State"]?.objectValue : nil
    }

    /// GET from the LAN host namespace (the plant LAN's view). https does not verify (`-k`): the
    /// runtime's certificate on 8443 is self-signed.
    func fromLAN(_ url: String) async throws -> CommandResult {
        let lab = self.lab
        return try await DockerLab.blocking { try lab.exec(inNamespace: lab.lanhostNamespace, ["curl", "-s", "-k", "-m", "3", url]) }
    }
}

/// A device name unique in this test process (all lab suites share one engine).
extension VPLCHarness {
    /// A position in the agent's log, for ``waitLogLine(after:containing:seconds:)``.
    func logMark() -> Int { agent.log.contents.utf8.count }

    /// Waits until a line after `mark` contains every one of `parts`.
    func waitLogLine(after mark: Int, containing parts: [String], seconds: Double = 30) async -> Bool {
        let log = agent.log
        return await eventually(timeout: .milliseconds(Int(seconds * 1000)), every: .milliseconds(20)) {
            let text = log.contents.utf8.dropFirst(mark)
            return String(decoding: text, as: UTF8.self).split(separator: "\n").contains { line in
                parts.allSatisfy { line.contains($0) }
            }
        }
    }

    /// Waits until the lifecycle manager has handled `device`'s stop without restarting it
    /// (`why`: `desired_stopped` or `crash_loop`) and a periodic health check has run after that:
    /// the positive marks that the manager had every chance to undo a stop.
    func waitLeftStopped(_ device: String, since mark: Int, why: String = "desired_stopped") async -> Bool {
        guard await waitLogLine(after: mark, containing: ["lifecycle: not restarted", "device=\(device)", "why=\(why)"]) else {
            return false
        }
        let handled = logMark()
        return await waitLogLine(after: handled, containing: ["lifecycle: health check done"])
    }
}

func uniqueDevice(_ stem: String) -> String { "\(stem)-\(UInt32.random(in: 0...UInt32.max))" }

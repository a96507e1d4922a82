import AgentJSON
import Foundation
import LabSupport
import Testing

extension VPLCLab {
    /// A site the Python agent ran, taken over: its objects made the way spec §5.1–§5.3 describes
    /// (no labels, restart policy `no`, `<name>_internal` and `macvlan_<parent>_<subnet>`), its
    /// files the way §7.7 describes, then this agent started on them.
    @Suite("takeover of a Python-agent site")
    struct Takeover {
        @Test("its vPLC is adopted as it runs, also after kills during the takeover: same address, not restarted; run_command, stop/start, delete work; a second start changes nothing")
        func adoptsWithoutRestart() async throws {
            let lab = try await DockerLab.blocking { try DockerLab.dedicated("takeover") }
            defer { lab.down() }
            let device = uniqueDevice("py")
            let ip = lab.lanAddress(61)
            let macvlan = "macvlan_\(lab.parentInterface)_\(lab.lanSubnet.replacingOccurrences(of: "/", with: "_"))"
            let folder = NSTemporaryDirectory() + "python-agent-\(device)"
            defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: a temp folder

            // The Python agent's objects, as it makes them (docker-py on an engine older than API 1.44).
            try await Self.engine(lab, "POST", "/networks/create", ["Name": .string(device + "_internal"), "Driver": "bridge", "Internal": true])
            try await Self.engine(lab, "POST", "/networks/create", [
                "Name": .string(macvlan), "Driver": "macvlan", "Options": ["parent": .string(lab.parentInterface)],
                "IPAM": ["Config": [["Subnet": .string(lab.lanSubnet), "Gateway": .string(lab.lanGateway)]]],
            ])
            try await Self.engine(lab, "POST", "/containers/create?name=\(device)", [
                "Image": .string(lab.runtimeImage),
                "HostConfig": ["NetworkMode": .string(device + "_internal"), "RestartPolicy": ["Name": "no"], "CapAdd": ["SYS_NICE", "MKNOD"]],
            ])
            try await Self.engine(lab, "POST", "/networks/\(macvlan)/connect", [
                "Container": .string(device), "EndpointConfig": ["IPAMConfig": ["IPv4Address": .string(ip)]],
            ])
            try await Self.engine(lab, "POST", "/containers/\(device)/start", nil)
            let before = try #require(try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue)
            let nets = before["NetworkSettings"]?.objectValue?["Networks"]?.objectValue
            let mac = try #require(nets?[macvlan]?.objectValue?["MacAddress"]?.stringValue)
            let internalIP = nets?[device + "_internal"]?.objectValue?["IPAddress"]?.stringValue ?? ""

            // Its files.
            try Self.write(folder, "data/clients.json", [device: ["ip": .string(internalIP), "name": .string(device)]])
            try Self.write(folder, "runtime_vnics.json", [device: [[
                "name": "lan", "parent_interface": .string(lab.parentInterface), "network_mode": "static", "ip": .string(ip),
                "subnet": .string(lab.lanSubnet), "gateway": .string(lab.lanGateway), "mac": .null, "_interface_type": "ethernet",
                "_is_wifi": false, "_network_method": "macvlan", "mac_address": .string(mac), "docker_network_name": .string(macvlan),
            ]]])

            // The plan first, as an operator sees it before the switch (no daemon yet):
            // `adopt --dry-run` names the vPLC and changes nothing.
            let plugins = try PluginLab()
            let oneShot = try plugins.writeConfig([
                try plugins.entry(id: "io.autonomy.docker", path: try plugins.install("agent-docker"), config: ["socket": .string(lab.socketPath)]),
                try plugins.entry(
                    id: "io.autonomy.runtime", path: try plugins.install("agent-runtime"),
                    config: ["image_repository": .string(lab.runtimeImageRepo), "legacy_state_dir": .string(folder)]),
            ])
            let dry = try await DockerLab.blocking {
                try CommandRunner.run([BuildProducts.executable("orchestrator-agent"), "adopt", "--config", oneShot, "--dry-run"], timeout: 60)
            }
            let shown = try? JSONParser.parse(dry.stdout).objectValue  // harmless: checked just below
            #expect(dry.status == 0, "adopt --dry-run: \(dry.status) \(dry.stdout) \(dry.stderr)")
            #expect(shown?["done"] == false, "\(dry.stdout)")
            #expect(
                shown?["plan"]?.objectValue?["adopt"]?.arrayValue?.compactMap { $0.objectValue?["device_id"] } == [.string(device)],
                "\(dry.stdout)")
            try await Self.expectSameProcess(lab, device, before)

            // The agent first runs without the takeover; then it is started on the folder and
            // killed (SIGKILL) at random points of its start a few times before one start stays:
            // the end state is the same as after one clean start.
            let h = try await VPLCHarness(runtime: ["legacy_state_dir": ""], lab: lab)
            defer { h.stop() }
            let kills = (0..<4).map { _ in Int.random(in: 0...1500) }
            print("takeover kill points (ms after start): \(kills)")
            try await h.restartAgent(runtime: ["legacy_state_dir": .string(folder)], killsAfterMs: kills)
            let status = try await h.status(device)
            #expect(status["status"] == "success" && status["is_running"] == true, "\(status)")
            #expect(status["networks"]?.objectValue?[macvlan]?.objectValue?["ip_address"] == .string(ip), "\(status)")
            #expect(status["networks"]?.objectValue?[macvlan]?.objectValue?["mac_address"] == .string(mac))
            let plan = try await h.call("get_takeover_plan", [:])
            #expect(plan["done"] == true && plan["imported"]?.objectValue?["adopt"]?.arrayValue?.count == 1, "\(plan)")

            // Not restarted: the lifecycle manager had a full round, and the container is the same process.
            let mark = h.logMark()
            #expect(await h.waitLogLine(after: mark, containing: ["lifecycle: health check done"]))
            try await Self.expectSameProcess(lab, device, before)

            let version = try await h.call("run_command", ["device_id": .string(device), "method": "GET", "api": "/api/version"])
            #expect(version["http_response"]?.objectValue?["status_code"] == 200, "\(version)")
            // The usage sampler counts it like any vPLC.
            var usage: JSONObject = [:]
            _ = try await h.cloud.waitUntil(seconds: 10) {
                usage = try await h.call("get_consumption_device", ["device_id": .string(device), "cpuPeriod": "1h", "memoryPeriod": "1h"])
                return (usage["memory_usage"]?.arrayValue?.count ?? 0) >= 2
            }
            #expect((usage["memory_usage"]?.arrayValue?.count ?? 0) >= 2, "\(usage)")

            // A second start changes nothing.
            try await h.crashAndRestartAgent()
            let again = try await h.call("get_takeover_plan", [:])
            #expect(again["plan"]?.objectValue?["adopt"]?.arrayValue?.isEmpty == true, "\(again)")
            #expect(again["plan"]?.objectValue?["skipped"]?.objectValue?[device] == "already_known")
            try await Self.expectSameProcess(lab, device, before)
            let listed = try await h.call("list_devices", [:])
            #expect(listed["count"] == 1, "\(listed)")

            // The topics work on it as on any vPLC.
            let stop = try await h.operate("stop_device", ["device_id": .string(device)])
            #expect(stop.end["status"] == "succeeded", "\(stop.end)")
            let start = try await h.operate("start_device", ["device_id": .string(device)])
            #expect(start.end["status"] == "succeeded", "\(start.end)")
            let restart = try await h.operate("restart_device", ["device_id": .string(device)])
            #expect(restart.end["status"] == "succeeded", "\(restart.end)")
            #expect(try await h.status(device)["networks"]?.objectValue?[macvlan]?.objectValue?["ip_address"] == .string(ip))
            let delete = try await h.operate("delete_device", ["device_id": .string(device)])
            #expect(delete.end["status"] == "succeeded", "\(delete.end)")
            #expect(try await lab.engineAPI("GET", "/containers/\(device)/json").status == 404)
            #expect(try await lab.engineAPI("GET", "/networks/\(device)_internal").status == 404)
            // The files are never changed: a site can go back to the Python agent.
            #expect(FileManager.default.fileExists(atPath: folder + "/runtime_vnics.json"))
            #expect((try? String(contentsOfFile: folder + "/data/clients.json", encoding: .utf8))?.contains(device) == true)

            // A folder that holds only what this agent's own sidecar keeps there (lease files) is
            // nothing to take over.
            try FileManager.default.removeItem(atPath: folder + "/data")
            try FileManager.default.removeItem(atPath: folder + "/runtime_vnics.json")
            try Self.write(folder, "dhcp/plc_lan.lease", ["ip": "192.0.2.9"])
            let none = try await h.call("run_takeover", [:])
            #expect(none["status"] == "error" && none["code"] == "takeover_unavailable", "\(none)")
            #expect(try await h.call("get_takeover_plan", [:])["python_agent_state"] == false)
            await h.shutdown()
        }

        /// StartedAt, PID and RestartCount as before: the same process.
        static func expectSameProcess(
            _ lab: DockerLab, _ device: String, _ before: JSONObject, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let now = try #require(try await lab.engineAPI("GET", "/containers/\(device)/json").json?.objectValue)
            for key in ["StartedAt", "Pid"] {
                #expect(now["State"]?.objectValue?[key] == before["State"]?.objectValue?[key], "\(key)", sourceLocation: sourceLocation)
            }
            #expect(now["RestartCount"] == before["RestartCount"], sourceLocation: sourceLocation)
        }

        /// An engine call that must succeed.
        static func engine(_ lab: DockerLab, _ method: String, _ path: String, _ body: JSONObject?) async throws {
            let r = try await lab.engineAPI(method, path, json: body.map(JSONValue.object))
            guard (200..<300).contains(r.status) else { throw LabError("\(method) \(path): \(r.status) \(String(describing: r.json))") }
        }

        static func write(_ folder: String, _ relative: String, _ object: JSONObject) throws {
            let path = folder + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(JSONWriter.bytes(.object(object))).write(to: URL(fileURLWithPath: path))
        }
    }
}

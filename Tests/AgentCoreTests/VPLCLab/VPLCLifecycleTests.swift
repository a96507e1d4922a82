import AgentJSON
import Foundation
import LabSupport
import Testing

/// The vPLC lifecycle on a real engine through the cloud path: create on the lab LAN, reach it
/// from a LAN host, proxy commands to its runtime, stop/start/restart, delete, nothing left. Every
/// test runs on Docker and on Podman from its one definition.
extension VPLCLab {
@Suite("lifecycle through the cloud")
struct Lifecycle {
    @Test("create → reachable on the LAN → run_command → stop/start/restart → delete → nothing left", arguments: LabEngine.allCases)
    func fullLifecycle(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("plc")
        let ip = h.lab.lanAddress(10)

        let (ack, end) = try await h.operate("create_new_runtime", h.createRequest(device, host: 10, correlation: 1))
        #expect(ack["status"] == "creating" && ack["container_id"] == .string(device) && ack["action"] == "create_new_runtime")
        #expect(ack["correlation_id"] == 1)
        #expect(end["status"] == "succeeded", "\(end)")

        let status = try await h.status(device)
        #expect(status["status"] == "success" && status["is_running"] == true, "\(status)")
        let nets = try #require(status["networks"]?.objectValue)
        let lan = try #require(nets["macvlan_\(h.lab.parentInterface)_\(h.lab.lanSubnet.replacingOccurrences(of: "/", with: "_"))"]?.objectValue)
        #expect(lan["ip_address"] == .string(ip))
        let mac = try #require(lan["mac_address"]?.stringValue)
        #expect(UInt8(mac.prefix(2), radix: 16).map { $0 & 0x03 == 0x02 } == true, "locally administered unicast: \(mac)")
        #expect(status["internal_ip"]?.stringValue != nil)
        #expect(status["desired_state"] == "running")

        // The engine got upstream's container settings (the lab's runc wrapper clamps the
        // rlimits for this machine; dockerd keeps the request, Podman shows the clamped spec and
        // adds its nofile/nproc defaults: docs/lab-podman.md).
        let inspect = try await h.lab.engineAPI("GET", "/containers/\(device)/json")
        let hc = try #require(inspect.json?.objectValue?["HostConfig"]?.objectValue)
        if engine == .docker {
            #expect(hc["CapAdd"]?.arrayValue?.compactMap(\.stringValue).sorted() == ["MKNOD", "SYS_NICE"])
        } else {
            // Podman lists only what is beyond its defaults (MKNOD is one); the process has both.
            let libpod = try await h.lab.engineAPI("GET", "/v4.0.0/libpod/containers/\(device)/json")
            let caps = libpod.json?.objectValue?["EffectiveCaps"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(caps).isSuperset(of: ["CAP_MKNOD", "CAP_SYS_NICE"]), "\(caps)")
        }
        #expect(["no", ""].contains(hc["RestartPolicy"]?.objectValue?["Name"]?.stringValue ?? "?"))
        #expect(hc["NanoCpus"]?.numberValue ?? 0 == 0 && hc["CpuQuota"]?.numberValue ?? 0 == 0)
        let ulimits = (hc["Ulimits"]?.arrayValue ?? []).compactMap { $0.objectValue?["Name"]?.stringValue?.lowercased() }
        #expect(Set(ulimits.map { $0.hasPrefix("rlimit_") ? String($0.dropFirst(7)) : $0 }).isSuperset(of: ["rtprio", "memlock"]), "\(ulimits)")
        if engine == .docker { #expect(ulimits.count == 2) }
        let labels = try #require(inspect.json?.objectValue?["Config"]?.objectValue?["Labels"]?.objectValue)
        #expect(labels["io.autonomy.managed"] == "true" && labels["io.autonomy.device"] == .string(device))

        // Reachable from the plant LAN (the runtime's own port: https, self-signed).
        var lanReply = CommandResult?.none
        _ = try await h.cloud.waitUntil(seconds: 10) {
            lanReply = try await h.fromLAN("https://\(ip):8443/api/version")
            return lanReply?.stdout.contains("lab-standin") == true
        }
        #expect(lanReply?.stdout.contains("lab-standin") == true, "LAN host could not reach \(ip): \(String(describing: lanReply))")

        // run_command: the runtime's own answers, and proxy failures told apart.
        let version = try await h.call("run_command", ["device_id": .string(device), "method": "GET", "api": "/api/version"])
        #expect(version["status"] == "success" && version["source"] == "runtime", "\(version)")
        #expect(version["http_response"]?.objectValue?["status_code"] == 200)
        #expect(version["http_response"]?.objectValue?["body"]?.objectValue?["version"] == "lab-standin-1")
        let echo = try await h.call(
            "run_command",
            ["device_id": .string(device), "method": "post", "api": "cgi-bin/echo", "params": ["q": "1"],
             "headers": ["x-test": "yes"], "data": ["hello": "plc"]])
        let echoed = try #require(echo["http_response"]?.objectValue?["body"]?.objectValue, "\(echo)")
        #expect(echoed["method"] == "POST" && echoed["query"] == "q=1" && echoed["x_test"] == "yes")
        #expect(echoed["body"] == #"{"hello":"plc"}"#)
        #expect(echoed["content_type"] == "application/json")
        let fail = try await h.call("run_command", ["device_id": .string(device), "method": "GET", "api": "cgi-bin/fail"])
        #expect(fail["status"] == "error" && fail["source"] == "runtime")
        #expect(fail["http_response"]?.objectValue?["status_code"] == 503)
        let slow = try await h.call(
            "run_command", ["device_id": .string(device), "method": "GET", "api": "cgi-bin/slow", "timeout_ms": 500])
        #expect(slow["source"] == "proxy" && slow["code"] == "proxy_timeout", "\(slow)")
        let unknown = try await h.call("run_command", ["device_id": "nope", "method": "GET", "api": "x"])
        #expect(unknown["status"] == "error" && unknown["code"] == "device_not_found")

        // stop stays stopped (the lifecycle manager must not undo it).
        let mark = h.logMark()
        let stop = try await h.operate("stop_device", ["device_id": .string(device)])
        #expect(stop.ack["status"] == "stopping" && stop.end["status"] == "succeeded")
        #expect(await h.waitLeftStopped(device, since: mark), "the death was handled and a health check ran")
        let stopped = try await h.status(device)
        #expect(stopped["is_running"] == false && stopped["desired_state"] == "stopped", "\(stopped)")

        let start = try await h.operate("start_device", ["device_id": .string(device)])
        #expect(start.end["status"] == "succeeded")
        #expect(try await h.status(device)["is_running"] == true)
        let before = try await h.engineState(device)?["StartedAt"]
        let restart = try await h.operate("restart_device", ["device_id": .string(device)])
        #expect(restart.end["status"] == "succeeded")
        #expect(try await h.engineState(device)?["StartedAt"] != before)

        let list = try await h.call("list_devices", [:])
        #expect(list["devices"]?.arrayValue?.contains { $0.objectValue?["device_id"] == .string(device) } == true)

        let delete = try await h.operate("delete_device", ["device_id": .string(device)])
        #expect(delete.ack["status"] == "deleting" && delete.end["status"] == "succeeded")
        let gone = try await h.status(device)
        #expect(gone["status"] == "not_found")
        try await h.expectNothingLeft(device)
        let macvlans = try await h.lab.engineAPI("GET", "/networks?filters=%7B%22driver%22%3A%5B%22macvlan%22%5D%7D")
        #expect(macvlans.json?.arrayValue?.isEmpty == true, "unused MACVLAN network left: \(String(describing: macvlans.json))")
        #expect(try await h.fromLAN("https://\(ip):8443/api/version").stdout.isEmpty)
        await h.shutdown()
    }

    @Test("same create twice is idempotent; a repeated correlation_id replays; another config is refused", arguments: LabEngine.allCases)
    func idempotency(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("idem")
        let first = try await h.operate("create_new_runtime", h.createRequest(device, host: 21, correlation: 100))
        #expect(first.end["status"] == "succeeded")
        let startedAt = try await h.engineState(device)?["StartedAt"]

        let replay = try await h.call("create_new_runtime", h.createRequest(device, host: 21, correlation: 100))
        #expect(replay["replayed"] == true && replay["operation_id"] == first.ack["operation_id"])

        let again = try await h.operate("create_new_runtime", h.createRequest(device, host: 21, correlation: 101))
        #expect(again.end["status"] == "succeeded" && again.end["step"] == "already_exists", "\(again.end)")
        #expect(try await h.engineState(device)?["StartedAt"] == startedAt, "an idempotent create must not restart the PLC")

        let other = try await h.operate("create_new_runtime", h.createRequest(device, host: 22, correlation: 102))
        #expect(other.end["status"] == "failed" && other.end["code"] == "device_exists", "\(other.end)")
        #expect(try await h.engineObjects(device).containers.count == 1)
        #expect(try await h.status(device)["status"] == "success")

        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }

    @Test("commands for one device sent at once run one after another, in arrival order", arguments: LabEngine.allCases)
    func serialised(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let device = uniqueDevice("queue")
        let d: JSONValue = .string(device)
        // No waiting between the commands: each is acked at once and queued behind the previous.
        let acks = [
            try await h.call("create_new_runtime", h.createRequest(device, host: 25)),
            try await h.call("stop_device", ["device_id": d]),
            try await h.call("start_device", ["device_id": d]),
            try await h.call("restart_device", ["device_id": d]),
            try await h.call("delete_device", ["device_id": d]),
        ]
        let ids = acks.compactMap { $0["operation_id"]?.stringValue }
        try #require(ids.count == 5, "\(acks)")
        _ = try await h.operationEnd(ids[4], seconds: 90)
        // Completion events are sent at least once and the receiver deduplicates them by
        // operation_id and status (OperationOutbox, docs/cloud-protocol.md): a re-send under load
        // is not a second completion. What counts is the order of the first of each.
        var seen = Set<String>()
        let updates = try await h.updates().filter { $0["device_id"] == d }.filter { u in
            seen.insert("\(u["operation_id"]?.stringValue ?? "")|\(u["status"]?.stringValue ?? "")").inserted
        }
        #expect(updates.compactMap { $0["operation_id"]?.stringValue } == ids, "ended out of order: \(updates)")
        // Had they overlapped, the stop would have found no container yet and failed.
        #expect(updates.allSatisfy { $0["status"] == "succeeded" }, "\(updates)")
        try await h.expectNothingLeft(device)
        await h.shutdown()
    }

    @Test("a create that fails half-way rolls back what it made and leaves other vPLCs alone", arguments: LabEngine.allCases)
    func rollback(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let a = uniqueDevice("keep")
        let b = uniqueDevice("clash")
        try await h.createRunning(a, host: 30)
        let startedA = try await h.engineState(a)?["StartedAt"]

        // Same static IP: the engine refuses when the container is wired, after B's internal
        // bridge was made.
        let clash = try await h.operate("create_new_runtime", h.createRequest(b, host: 30))
        #expect(clash.end["status"] == "rolled_back", "\(clash.end)")
        #expect(clash.end["code"]?.stringValue?.hasPrefix("engine_") == true)
        try await h.expectNothingLeft(b)
        let failed = try await h.status(b)
        #expect(failed["status"] == "error" && failed["operation"] == "create")
        #expect(try await h.engineState(a)?["StartedAt"] == startedA, "the other vPLC was restarted")

        let missing = try await h.operate("create_new_runtime", h.createRequest(uniqueDevice("img"), host: 31, version: "no-such-tag"))
        #expect(missing.end["status"] == "failed" && missing.end["code"] == "image_not_found", "\(missing.end)")

        try await h.deleteExpectingNothingLeft(a)
        await h.shutdown()
    }

    @Test("every contract violation gets a typed error and changes nothing", arguments: LabEngine.allCases)
    func contractViolations(engine: LabEngine) async throws {
        let h = try await VPLCHarness(engine: engine)
        defer { h.stop() }  // a no-op after shutdown(); the last resort when a test throws
        let cases: [(String, JSONObject, String?)] = [
            ("get_device_status", [:], "device_id"),
            ("get_device_status", ["device_id": ""], "device_id"),
            ("get_device_status", ["device_id": 5], "device_id"),
            ("delete_device", ["device_id": true], "device_id"),
            ("create_new_runtime", ["container_name": "x"], "vnic_configs"),
            ("create_new_runtime", ["container_name": "x", "vnic_configs": "no"], "vnic_configs"),
            ("create_new_runtime", ["container_name": "x", "vnic_configs": [], "correlation_id": "abc"], "correlation_id"),
            ("create_new_runtime", ["container_name": "x", "vnic_configs": [], "requested_at": "yesterday"], "requested_at"),
            ("create_new_runtime", ["container_name": "x", "vnic_configs": [], "dedicated_interface": "this-name-is-too-long"], "dedicated_interface"),
            ("create_new_runtime", ["container_name": "x y", "vnic_configs": []], "container_name"),
            ("create_new_runtime", ["container_name": "x", "vnic_configs": [["name": "a", "parent_interface": "eth0", "network_mode": "static"]]], "vnic_configs[0].ip"),
            ("run_command", ["device_id": "x", "api": "a"], "method"),
            ("run_command", ["device_id": "x", "method": "GET", "api": "a", "port": "80"], "port"),
            ("get_consumption_device", ["device_id": "x", "cpuPeriod": "1h"], "memoryPeriod"),
            ("start_device", ["device_id": "nope"], "device_id"),
        ]
        for (topic, payload, field) in cases {
            let r = try await h.call(topic, payload)
            #expect(r["status"] == "error", "\(topic) \(payload) → \(r)")
            #expect(r["code"]?.stringValue != nil && r["error"]?.stringValue != nil)
            if let field { #expect(r["field"] == .string(field), "\(topic) \(payload) → \(r)") }
            #expect(r["action"] == .string(topic))
        }
        let raw = try await h.cloud.callRaw("get_device_status", args: [.string("not an object")])
        #expect(raw.first?.objectValue?["status"] == "error")
        #expect(try await h.engineObjects("x").containers.isEmpty)
        await h.shutdown()
    }
}
}

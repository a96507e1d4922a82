import AgentJSON
import HostMetrics
import RuntimeModel
import Testing

@Suite("lifecycle and usage policies")
struct PolicyTests {
    @Test("crash-loop guard: 5 restarts in 600 s, then none until the window slides")
    func crashLoop() {
        var g = CrashLoopGuard()
        var answers: [Bool] = []
        for t in [0.0, 10, 20, 30, 40, 60, 599, 600] { answers.append(g.allowRestart(now: t)) }
        // five allowed, then refused until the first restart leaves the 600 s window
        #expect(answers == [true, true, true, true, true, false, false, true])
        g.reset()
        #expect(g.restarts.isEmpty)
    }

    @Test("periods as upstream", arguments: [
        ("1h", 3600.0), ("30m", 1800.0), ("2d", 172_800.0), ("90", 90.0), ("garbage", 3600.0),
    ])
    func periods(text: String, width: Double) {
        let r = UsagePeriod.range(text, now: 10_000_000)
        #expect(r.upperBound == 10_000_000 && r.upperBound - r.lowerBound == width)
    }

    @Test("explicit range and ring buffer")
    func ring() {
        #expect(UsagePeriod.range("100,200", now: 5) == 100...200)
        var h = UsageHistory(capacity: 3)
        for i in 0..<5 { h.append(.init(timestamp: Double(i), cpuPercent: 0, memoryMB: 0)) }
        #expect(h.samples(in: 0...10).map(\.timestamp) == [2, 3, 4])
    }

    @Test("usage samples are kept as the whole numbers the answers carry, clamped to their fields")
    func usageSamplesAreWholeNumbers() {
        var h = UsageHistory()
        h.append(.init(timestamp: 1_795_662_705.9, cpuPercent: 12.5, memoryMB: 99.4))
        h.append(.init(timestamp: 1_795_662_710.2, cpuPercent: 70_000, memoryMB: -3))
        h.append(.init(timestamp: 1_795_662_715, cpuPercent: .nan, memoryMB: 8_000_000_000))
        let got = h.samples(in: 0...2e9)
        #expect(got.map(\.timestamp) == [1_795_662_705, 1_795_662_710, 1_795_662_715])
        #expect(got.map(\.cpuPercent) == [13, 65_535, 0])  // rounded (12.5 → 13), clamped, NaN → 0
        #expect(got.map(\.memoryMB) == [99, 0, 4_294_967_295])
        #expect(h.samples(in: 1_795_662_706...1_795_662_714).count == 1)
    }

    @Test("Docker timestamps")
    func dockerTime() {
        #expect(DockerTime.epoch("1970-01-01T00:00:10.5Z") == 10.5)
        #expect(DockerTime.epoch("2026-11-26T03:11:45.123456789Z").map { Int($0) } == 1_795_662_705)
        #expect(DockerTime.epoch("0001-01-01T00:00:00Z") == nil)
        #expect(DockerTime.epoch("nonsense") == nil)
    }

    @Test("records survive a JSON round trip; unknown schemas are refused")
    func records() throws {
        var r = DeviceRecord(
            deviceID: "plc1", spec: ["container_name": "plc1"], fingerprint: "abc",
            vnics: [.init(name: "a", network: "n", parent: "eth0", mode: "static", mac: "02:00:00:00:00:01", ip: "10.0.0.5")],
            createdAt: "t")
        r.desired = .stopped
        r.restarts = 3
        #expect(try DeviceRecord(json: r.json) == r)
        var op = OperationRecord(id: "1-1", deviceID: "plc1", kind: .create, correlationID: 42, now: "t", request: ["x": 1])
        op.createdNetworks = ["plc1_internal"]
        op.error = RuntimeError("boom", "it broke", field: "f")
        #expect(try OperationRecord(json: op.json) == op)
        #expect(throws: RuntimeError.self) { try DeviceRecord(json: ["schema": 2]) }
    }

    @Test("status: an active operation wins; a failed create without a container is an error; Docker decides otherwise")
    func status() {
        var op = OperationRecord(id: "1", deviceID: "p", kind: .create, correlationID: .null, now: "t")
        op.state = .running
        op.step = "pulling_image"
        let a = DeviceStatus.compose(deviceID: "p", inspect: nil, record: nil, lastOperation: op, now: 0)
        #expect(a["status"] == "creating" && a["step"] == "pulling_image")
        op.state = .rolledBack
        op.error = RuntimeError("image_not_found", "no image")
        let b = DeviceStatus.compose(deviceID: "p", inspect: nil, record: nil, lastOperation: op, now: 0)
        #expect(b["status"] == "error" && b["code"] == "image_not_found")
        let inspect: JSONObject = [
            "state": ["status": "running", "running": true, "started_at": "1970-01-01T00:00:10Z"],
            "networks": ["p_internal": ["ip_address": "172.18.0.2"], "macvlan_eth0_10.0.0.0_24": ["ip_address": "10.0.0.5", "mac_address": "02:00:00:00:00:01", "gateway": "10.0.0.1"]],
        ]
        let c = DeviceStatus.compose(deviceID: "p", inspect: inspect, record: nil, lastOperation: op, now: 70)
        #expect(c["status"] == "success" && c["is_running"] == true && c["uptime_seconds"] == 60)
        #expect(c["internal_ip"] == "172.18.0.2")
        #expect(c["networks"]?.objectValue?.keys == ["macvlan_eth0_10.0.0.0_24"])
        let d = DeviceStatus.compose(deviceID: "p", inspect: nil, record: nil, lastOperation: nil, now: 0)
        #expect(d["status"] == "not_found")
    }

    @Test("status of __orchestrator__: a failed upgrade or self-destruct is an error with its code and step, not not_found")
    func orchestratorStatus() {
        let id = Naming.orchestratorID
        #expect(DeviceStatus.compose(deviceID: id, inspect: nil, record: nil, lastOperation: nil, now: 0)["status"] == "not_found")
        var op = OperationRecord(id: "u1", deviceID: id, kind: .upgrade, correlationID: .null, now: "t0")
        op.state = .running
        op.step = "pulling_images"
        #expect(DeviceStatus.compose(deviceID: id, inspect: nil, record: nil, lastOperation: op, now: 0)["status"] == "upgrading")
        op.state = .failed
        op.error = RuntimeError("image_unavailable", "no such image")
        let failed = DeviceStatus.compose(deviceID: id, inspect: nil, record: nil, lastOperation: op, now: 0)
        #expect(failed["status"] == "error" && failed["code"] == "image_unavailable" && failed["step"] == "pulling_images", "\(failed)")
        #expect(failed["operation"] == "upgrade" && failed["operation_id"] == "u1")
        var sd = OperationRecord(id: "s1", deviceID: id, kind: .selfDestruct, correlationID: .null, now: "t0")
        sd.state = .failed
        sd.step = "deleting_runtimes"
        let incomplete = DeviceStatus.compose(deviceID: id, inspect: nil, record: nil, lastOperation: sd, now: 0)
        #expect(incomplete["status"] == "error" && incomplete["operation"] == "self_destruct" && incomplete["code"] == "unknown")
        sd.state = .succeeded
        sd.error = nil
        let done = DeviceStatus.compose(deviceID: id, inspect: nil, record: nil, lastOperation: sd, now: 0)
        #expect(done["status"] == "success" && done["state"] == "succeeded", "\(done)")
    }
}

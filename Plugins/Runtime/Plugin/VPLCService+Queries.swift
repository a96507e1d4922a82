import AgentClock
import AgentJSON
import AgentPluginKit
import HostMetrics
import Logging
import Synchronization
import RuntimeModel

extension VPLCService {
    /// `get_device_status`: the journal's active operation, else Docker's view now.
    func status(_ device: String) async throws(RuntimeError) -> JSONObject {
        let op = await lastOperation(device)
        if (op?.state.isActive ?? false) || device == Naming.orchestratorID {
            return DeviceStatus.compose(deviceID: device, inspect: nil, record: nil, lastOperation: op, now: WallClock.now())
        }
        let inspect: JSONObject?
        do {
            inspect = try await engine.inspect(device)
        } catch {
            return [
                "status": "error", "device_id": .string(device), "code": .string(error.code),
                "error": .string("Failed to retrieve container status: \(error.message)"),
            ]
        }
        let record = try store.record(device)
        return DeviceStatus.compose(
            deviceID: device, inspect: inspect, record: record, lastOperation: op, now: WallClock.now(),
            leases: await netState.leases(device))
    }

    /// `list_devices`: every vPLC the agent manages, with its Docker state.
    func list() async throws(RuntimeError) -> JSONObject {
        let records = try store.records()
        let containers = try await engine.call("container.list", ["labels": [Naming.managedLabel: "true"]]).arrayValue ?? []
        var state: [String: JSONObject] = [:]
        for c in containers {
            guard let o = c.objectValue, let d = o["labels"]?.objectValue?[Naming.deviceLabel]?.stringValue else { continue }
            state[d] = o
        }
        var out: [JSONValue] = []
        for r in records.sorted(by: { $0.deviceID < $1.deviceID }) {
            let c = state[r.deviceID]
            var e: JSONObject = [
                "device_id": .string(r.deviceID), "desired_state": .string(r.desired.rawValue),
                "container_status": c?["state"] ?? "missing", "runtime_version": r.spec["runtime_version"] ?? .null,
                "vnics": .array(r.vnics.map { .object(["name": .string($0.name), "network": .string($0.network), "mac_address": .string($0.mac), "ip_address": $0.ip.map { .string($0) } ?? .null]) }),
                "restart_count": .number(Double(r.restarts)),
            ]
            if r.crashLoop { e["crash_loop"] = true }
            if let op = await live.active(r.deviceID) { e["operation"] = .string(op.kind.rawValue) }
            out.append(.object(e))
        }
        var sampler: JSONObject = ["interval_ms": .number(Double(settings.usageIntervalMilliseconds))]
        if let pass = await live.lastPass {
            sampler["last_pass_ms"] = .number((pass.milliseconds * 100).rounded() / 100)
            sampler["last_pass_vplcs"] = .number(Double(pass.vplcs))
        }
        return ["status": "success", "devices": .array(out), "count": .number(Double(out.count)), "sampler": .object(sampler)]
    }

    /// `run_command`: proxies one request to the vPLC's runtime.
    func runCommand(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        guard let device = message["device_id"]?.stringValue else { throw RuntimeError("invalid_request", "device_id missing") }
        let request = try ProxyRequest(
            message: message, siteScheme: settings.runtimeScheme, defaultTimeoutMilliseconds: settings.proxyTimeoutMilliseconds)
        guard try store.record(device) != nil, let inspect = try await engine.inspect(device) else {
            throw RuntimeError("device_not_found", "Device not found: \(device)", field: "device_id")
        }
        let internalNet = inspect["networks"]?.objectValue?[Naming.internalNetwork(device)]?.objectValue
        guard let ip = internalNet?["ip_address"]?.stringValue, !ip.isEmpty else {
            return ProxyResponse.proxyFailure(
                code: "device_not_running", message: "\(device) has no internal address (is it running?)")
        }
        return await proxy.send(request, to: ip)
    }

    /// `get_consumption_device` (spec §2.9; no `status` field, as upstream).
    func consumption(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        guard let device = message["device_id"]?.stringValue, try store.record(device) != nil,
            let inspect = try await engine.inspect(device)
        else {
            throw RuntimeError("device_not_found", "Device \(message["device_id"]?.stringValue ?? "") not found", field: "device_id")
        }
        let now = WallClock.now()
        let history = await live.history(device)
        let cpuRange = UsagePeriod.range(message["cpuPeriod"]?.stringValue ?? "", now: now)
        let memRange = UsagePeriod.range(message["memoryPeriod"]?.stringValue ?? "", now: now)
        let hc = inspect["host_config"]?.objectValue ?? [:]
        let memLimit = hc["memory"]?.numberValue ?? 0
        let nano = hc["nano_cpus"]?.numberValue ?? 0
        let quota = hc["cpu_quota"]?.numberValue ?? 0
        let period = hc["cpu_period"]?.numberValue ?? 0
        let cpuLimit: String
        if nano > 0 {
            cpuLimit = "\(oneDecimal(nano / 1e9)) vCPU"
        } else if quota > 0, period > 0 {
            cpuLimit = "\(oneDecimal(quota / period)) vCPU"
        } else {
            cpuLimit = "unlimited"
        }
        return [
            "device_id": .string(device),
            "memory": .string(memLimit > 0 ? "\(Int(memLimit / 1_048_576)) MB" : "unlimited"),
            "cpu": .string(cpuLimit),
            "cpu_usage": .array(
                (history?.samples(in: cpuRange) ?? []).map {
                    ["timestamp": .number($0.timestamp.rounded(.down)), "cpu": .number($0.cpuPercent.rounded())]
                }),
            "memory_usage": .array(
                (history?.samples(in: memRange) ?? []).map {
                    ["timestamp": .number($0.timestamp.rounded(.down)), "memory": .number($0.memoryMB.rounded())]
                }),
        ]
    }

    private func oneDecimal(_ v: Double) -> String {
        let t = (v * 10).rounded() / 10
        return t == t.rounded() ? "\(Int(t)).0" : "\(t)"
    }

    /// Samples one-shot stats of every running vPLC, all at once (the cost of a pass does not
    /// grow with the number of vPLCs the way upstream's serial `docker stats` did).
    func startUsageSampler() {
        let task = Task { [self] in
            while !Task.isCancelled {
                let t0 = host.monotonicNanoseconds
                let n = await self.sampleOnce()
                await live.recordPass(milliseconds: Double(host.monotonicNanoseconds - t0) / 1e6, vplcs: n)
                try? await clock.sleep(for: .milliseconds(settings.usageIntervalMilliseconds))  // harmless: cancelled at shutdown
            }
        }
        background.withLock { $0.append(task) }
    }

    /// One sampling pass; answers how many vPLCs were sampled.
    @discardableResult
    func sampleOnce() async -> Int {
        guard let records = recordsForPass("usage_sample") else { return 0 }
        let running = records.filter { $0.desired == .running }.map(\.deviceID)
        return await withTaskGroup(of: Bool.self) { group in
            for device in running {
                group.addTask { [self] in
                    // harmless: a vPLC whose stats the engine cannot give now is left out of this pass (not sampled)
                    guard let s = try? await engine.object("container.stats", ["id": .string(device)]) else { return false }
                    await live.addStats(
                        device, now: WallClock.now(), cpuNs: s["cpu_total_ns"]?.numberValue ?? 0,
                        systemNs: s["system_cpu_ns"]?.numberValue ?? 0, cpus: s["online_cpus"]?.numberValue ?? 1,
                        memoryMB: (s["memory_bytes"]?.numberValue ?? 0) / 1_048_576)
                    return true
                }
            }
            var n = 0
            for await ok in group where ok { n += 1 }
            return n
        }
    }
}

import AgentJSON
import AgentPluginKit
import HostMetrics
import RuntimeModel

/// The read-only topics: `get_device_status` (also of `__orchestrator__`), `list_devices`,
/// `run_command` (proxied to the vPLC's runtime), `get_consumption_device` and
/// `get_orchestrator_version`. Changes nothing; owns no state (the proxy's TLS context only).
struct StatusView: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let dhcp: DHCPCoordinator
    let usage: UsageSamples
    let netmon: any NetmonClient
    let ownContainer: OwnContainer
    let settings: RuntimeSettings
    let proxy = RuntimeProxy()

    /// `get_device_status`: the journal's active operation, else Docker's view now
    /// (docs/runtime-containers.md, "get_device_status").
    /// - Throws: the store's error reading the record.
    func status(_ device: String) async throws(RuntimeError) -> JSONObject {
        let op = await journal.lastOperation(device)
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
            leases: await dhcp.leases(of: device), serialPorts: try store.serialPorts(device))
    }

    /// `list_devices`: every vPLC the agent manages, with its Docker state and the sampler's
    /// last pass.
    /// - Throws: the store's or the engine's error.
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
            if let op = await journal.active(r.deviceID) { e["operation"] = .string(op.kind.rawValue) }
            out.append(.object(e))
        }
        var sampler: JSONObject = ["interval_ms": .number(Double(settings.usageIntervalMilliseconds))]
        if let pass = await usage.lastPass {
            sampler["last_pass_ms"] = .number((pass.milliseconds * 100).rounded() / 100)
            sampler["last_pass_vplcs"] = .number(Double(pass.vplcs))
        }
        return ["status": "success", "devices": .array(out), "count": .number(Double(out.count)), "sampler": .object(sampler)]
    }

    /// `run_command`: proxies one request to the vPLC's runtime on its internal address.
    /// - Throws: the request's error, `device_not_found`, the store's or the engine's error; a
    ///   failure of the proxy itself is an answer (`source: proxy`), not an error.
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
    /// - Throws: `device_not_found`, the store's or the engine's error.
    func consumption(_ message: JSONObject) async throws(RuntimeError) -> JSONObject {
        guard let device = message["device_id"]?.stringValue, try store.record(device) != nil,
            let inspect = try await engine.inspect(device)
        else {
            throw RuntimeError("device_not_found", "Device \(message["device_id"]?.stringValue ?? "") not found", field: "device_id")
        }
        let now = WallClock.now()
        let history = await usage.history(device)
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

    /// `get_orchestrator_version` (spec §2.10): the agent's version, the sidecar's (through the
    /// listener) and the image of the agent's own container; `"unknown"` for what cannot be said.
    func version() async -> JSONObject {
        var netmonVersion: JSONValue = "unknown"
        if let v = await netmon.version() {
            netmonVersion = v.objectValue?["version"] ?? v
        }
        var imageID: JSONValue = "unknown"
        // harmless: a query; "unknown" is the answer when the engine cannot say
        if let me = try? await ownContainer.inspect(), let image = me["image_id"] ?? me["image"] {
            imageID = image
        }
        return [
            "status": "success", "orchestrator_version": host.config("agent.version") ?? "unknown",
            "netmon_version": netmonVersion, "orchestrator_image_id": imageID,
        ]
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Serial passthrough (docs/runtime-containers.md, "Serial ports"): keeps the host's serial
/// devices as the netmon listener reports them, and for every running vPLC with
/// `serial_configs` makes each matching device's node appear at its `container_path` (the host
/// node bind-mounted in the container's mount namespace by the netmon sidecar's
/// `bind_device_node`), removes it when the device goes, and makes it again when it comes back
/// (another host path is fine) — never restarting the vPLC.
///
/// States are stored per device (`serial/<device>`, ``SerialPortState``) and reported in
/// `get_device_status`; a change of a port's status or host path is emitted as
/// `serial_port_update`. Work is serialised: requests made while a pass runs join it.
actor SerialPorts {
    static let event = "serial_port_update"

    let host: PluginHost
    let engine: any ContainerEngine
    let netmon: any NetmonClient
    let store: RuntimeStore
    /// The host's serial devices by node path (the sidecar's device info objects).
    private(set) var devices: [String: JSONObject] = [:]
    private var running = false
    private var pending: Set<String> = []
    private var pendingAll = false

    init(host: PluginHost, engine: any ContainerEngine, netmon: any NetmonClient, store: RuntimeStore) {
        self.host = host
        self.engine = engine
        self.netmon = netmon
        self.store = store
    }

    // MARK: the device table

    /// `device_discovery` (replaces the table) or `device_change` (`add` / `remove`); then every
    /// vPLC with serial configs is reconciled.
    func deviceEvent(_ kind: String, _ payload: JSONObject) async {
        switch kind {
        case "device_discovery":
            var next: [String: JSONObject] = [:]
            for d in payload["devices"]?.arrayValue ?? [] {
                if let o = d.objectValue, let p = o["path"]?.stringValue { next[p] = o }
            }
            devices = next
        case "device_change":
            guard let d = payload["device"]?.objectValue, let p = d["path"]?.stringValue else { return }
            if payload["action"]?.stringValue == "remove" { devices[p] = nil } else { devices[p] = d }
            host.log(.info, "serial device \(payload["action"]?.stringValue ?? "?")", metadata: ["path": p])
        default:
            return
        }
        await request(nil)
    }

    /// Reads the sidecar's table (`get_device_status`), then reconciles every vPLC. A failure is
    /// logged; the sidecar's events repair the table.
    func syncDevices() async {
        if await refreshDevices() { await request(nil) }
    }

    /// Replaces the table with the sidecar's (`get_device_status`); false (logged) when it
    /// cannot be read.
    private func refreshDevices() async -> Bool {
        guard netmon.isAvailable else { return false }
        do throws(RuntimeError) {
            let reply = try await netmon.command("get_device_status", [:])
            var next: [String: JSONObject] = [:]
            for d in reply["devices"]?.arrayValue ?? [] {
                if let o = d.objectValue, let p = o["path"]?.stringValue { next[p] = o }
            }
            devices = next
            return true
        } catch {
            host.log(.warning, "could not read the sidecar's serial devices", metadata: ["code": error.code, "error": error.message])
            return false
        }
    }

    /// The device majors `spec`'s serial configs need allowed at create besides the standard
    /// ones, from the sidecar's table read now (an event on its way is not waited for).
    func extraMajors(_ spec: DeviceSpec) async -> [Int] {
        let configs = SerialConfig.list(spec: spec.json)
        guard !configs.isEmpty else { return [] }
        _ = await refreshDevices()
        return SerialMatch.extraMajors(configs, devices: Array(devices.values))
    }

    // MARK: reconciling

    /// A vPLC's container (re)started: its nodes are made again (a new mount namespace).
    func containerStarted(_ device: String) async { await request(device) }

    /// Every vPLC (the periodic check, a device change).
    func reconcileAll() async { await request(nil) }

    /// Queues `device` (nil: all) and runs the queue unless a pass is already running it.
    private func request(_ device: String?) async {
        if let device { pending.insert(device) } else { pendingAll = true }
        guard !running else { return }
        running = true
        while pendingAll || !pending.isEmpty {
            var batch = pending
            pending = []
            if pendingAll {
                pendingAll = false
                guard let records = store.recordsForPass("serial_ports") else { continue }
                for r in records where !SerialConfig.list(spec: r.spec).isEmpty { batch.insert(r.deviceID) }
                do { for d in try store.serialPortDevices() { batch.insert(d) } } catch {
                    store.storeFailed(error, during: "serial_ports")
                }
            }
            for d in batch.sorted() { await reconcile(d) }
        }
        running = false
    }

    private func reconcile(_ device: String) async {
        let record: DeviceRecord?
        switch store.recordForPass(device, "serial_ports") {
        case .failure: return
        case .success(let r): record = r
        }
        let configs = record.map { SerialConfig.list(spec: $0.spec) } ?? []
        do throws(RuntimeError) {
            var states = try store.serialPorts(device)
            guard !configs.isEmpty else {
                if !states.isEmpty { try store.putSerialPorts(device, []) }
                return
            }
            guard let inspect = try await engine.inspect(device), let state = inspect["state"]?.objectValue,
                state["running"]?.boolValue == true, let pidValue = state["pid"]?.numberValue, pidValue > 0
            else { return }  // not running: nothing to put a node into; the start reconciles again
            let pid = Int(pidValue)
            var changed = false
            for c in configs {
                let old = states[c.containerPath]
                let next = await port(device, c, old: old, pid: pid)
                if next != old {
                    states[c.containerPath] = next
                    changed = true
                }
                if next.status != old?.status || next.hostPath != old?.hostPath { announce(device, next, previous: old) }
            }
            for path in states.keys where !configs.contains(where: { $0.containerPath == path }) {
                states[path] = nil
                changed = true
            }
            if changed { try store.putSerialPorts(device, Array(states.values)) }
        } catch {
            host.log(.warning, "serial ports not reconciled", metadata: ["device": device, "code": error.code, "error": error.message])
        }
    }

    /// The next state of one port: bound to the matching device (made again when the host path
    /// or the container's PID changed), or disconnected with its node removed.
    private func port(_ device: String, _ c: SerialConfig, old: SerialPortState?, pid: Int) async -> SerialPortState {
        let now = WallClock.iso(WallClock.now())
        var next = old ?? SerialPortState(config: c, status: .disconnected, updatedAt: now)
        next.config = c
        if let match = SerialMatch.find(c.deviceID, in: Array(devices.values)), let path = match["path"]?.stringValue {
            if let old, old.status == .connected, old.hostPath == path, old.pid == pid, old.config == c { return old }
            next.updatedAt = now
            do throws(RuntimeError) {
                try await bindNode(device, pid: pid, hostPath: path, containerPath: c.containerPath)
                next.status = .connected
                next.hostPath = path
                next.major = match["major"]?.numberValue.map { Int($0) }
                next.minor = match["minor"]?.numberValue.map { Int($0) }
                next.pid = pid
                next.error = nil
            } catch {
                next.status = .error
                next.hostPath = nil
                next.pid = nil
                next.error = error
            }
            return next
        }
        if let old, old.status == .disconnected, old.config == c { return old }
        if let old, old.status == .connected, old.pid == pid {
            // The device went: the node goes too (a stale node would reach whatever device the
            // kernel gives the same numbers next; an open file keeps working until closed).
            do throws(RuntimeError) {
                try await removeNode(device, pid: pid, containerPath: c.containerPath)
            } catch {
                host.log(
                    .warning, "could not remove a serial node of an unplugged device",
                    metadata: ["device": device, "path": c.containerPath, "code": error.code, "error": error.message])
            }
        }
        next.status = .disconnected
        next.hostPath = nil
        next.major = nil
        next.minor = nil
        next.pid = nil
        next.error = nil
        next.updatedAt = now
        return next
    }

    /// Makes the node through the netmon sidecar (`bind_device_node`): it runs with the
    /// privileges a bind mount in another mount namespace needs (root, the host's PID namespace,
    /// the host's `/dev`), which the agent does not have (docs/architecture.md, "Serial ports").
    private func bindNode(_ device: String, pid: Int, hostPath: String, containerPath: String) async throws(RuntimeError) {
        _ = try await netmon.command(
            "bind_device_node",
            ["container_pid": .number(Double(pid)), "host_path": .string(hostPath), "container_path": .string(containerPath)])
    }

    /// Removes the node through the sidecar (`remove_device_node`).
    private func removeNode(_ device: String, pid: Int, containerPath: String) async throws(RuntimeError) {
        _ = try await netmon.command("remove_device_node", ["container_pid": .number(Double(pid)), "container_path": .string(containerPath)])
    }

    /// Logs a port's new status and emits `serial_port_update`.
    private func announce(_ device: String, _ s: SerialPortState, previous: SerialPortState?) {
        var metadata = ["device": device, "port": s.config.name, "status": s.status.rawValue, "path": s.config.containerPath]
        if let h = s.hostPath { metadata["host_path"] = h }
        if let e = s.error { metadata["code"] = e.code }
        host.log(s.status == .error ? .error : .info, "serial port \(s.status.rawValue)", metadata: metadata)
        var payload = s.report
        payload["device_id"] = .string(device)
        payload["port"] = .string(s.config.name)
        payload["name"] = nil
        payload["serial_device_id"] = .string(s.config.deviceID)
        payload["previous_status"] = previous.map { .string($0.status.rawValue) } ?? .null
        // harmless: the state is durable in the store and polled by get_device_status; no transport: `unsupported`
        try? host.emit(Self.event, payload)
    }
}

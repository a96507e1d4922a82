import AgentJSON

/// Composes the `get_device_status` answer (spec §2.5) from what Docker says now, the device
/// record and the journal: an active operation wins; otherwise Docker's view decides, so the
/// answer never contradicts the engine.
public enum DeviceStatus {
    /// The pseudo device `__orchestrator__` (self-destruct, upgrade) has no container: its
    /// answer is its last operation's outcome — `error` with the code and the step it stopped at
    /// when it failed, `success` with the operation when it succeeded, `not_found` only when the
    /// agent never ran an agent-wide operation.
    static func orchestrator(_ op: OperationRecord?) -> JSONObject {
        guard let op else {
            return [
                "status": "not_found", "device_id": .string(Naming.orchestratorID),
                "message": "No agent-wide operation (self-destruct, upgrade) has run",
            ]
        }
        var o: JSONObject = [
            "device_id": .string(Naming.orchestratorID), "operation": .string(op.kind.rawValue), "operation_id": .string(op.id),
            "state": .string(op.state.rawValue), "started_at": .string(op.startedAt), "updated_at": .string(op.updatedAt),
        ]
        if let step = op.step { o["step"] = .string(step) }
        if op.state == .failed || op.state == .rolledBack {
            let e = op.error ?? RuntimeError("unknown", "unknown error")
            o["status"] = "error"
            o["code"] = .string(e.code)
            o["error"] = .string(e.message)
            o["message"] = .string("Operation failed: \(e.message)")
        } else {
            o["status"] = "success"
            o["message"] = .string("The last agent-wide operation (\(op.kind.rawValue)) \(op.state.rawValue)")
        }
        return o
    }

    /// - Parameters:
    ///   - inspect: the driver's `container.inspect` result, nil when the container does not exist.
    ///   - lastOperation: the newest journal entry for the device.
    ///   - leases: the DHCP state of its vNICs by vNIC name (from the netmon sidecar).
    ///   - serialPorts: the serial ports' states (``SerialPortState``) by container path; a
    ///     configured port without one is reported `disconnected` (nothing was bound yet).
    public static func compose(
        deviceID: String, inspect: JSONObject?, record: DeviceRecord?, lastOperation: OperationRecord?, now: Double,
        leases: [String: DHCPLease] = [:], serialPorts: [String: SerialPortState] = [:]
    ) -> JSONObject {
        if let op = lastOperation, op.state.isActive {
            var o: JSONObject = [
                "status": .string(op.activeStatus), "device_id": .string(deviceID), "operation": .string(op.kind.rawValue),
                "operation_id": .string(op.id), "state": .string(op.state.rawValue), "started_at": .string(op.startedAt),
                "updated_at": .string(op.updatedAt),
                "message": .string("Container \(deviceID) is being \(op.kind.pastParticiple)"),
            ]
            if let step = op.step { o["step"] = .string(step) }
            return o
        }
        guard let inspect else {
            if deviceID == Naming.orchestratorID { return orchestrator(lastOperation) }
            if let op = lastOperation, op.state == .failed || op.state == .rolledBack, op.kind == .create {
                var o: JSONObject = [
                    "status": "error", "device_id": .string(deviceID), "operation": .string(op.kind.rawValue),
                    "operation_id": .string(op.id), "state": .string(op.state.rawValue),
                    "started_at": .string(op.startedAt), "updated_at": .string(op.updatedAt),
                    "error": .string(op.error?.message ?? "unknown error"),
                    "message": .string("Operation failed: \(op.error?.message ?? "unknown error")"),
                ]
                if let step = op.step { o["step"] = .string(step) }
                if let e = op.error { o["code"] = .string(e.code) }
                return o
            }
            if record != nil {
                return [
                    "status": "not_found", "device_id": .string(deviceID), "code": "container_missing",
                    "message": .string("Container \(deviceID) is recorded by the agent but does not exist in Docker"),
                ]
            }
            return [
                "status": "not_found", "device_id": .string(deviceID),
                "message": .string("Container \(deviceID) does not exist"),
            ]
        }
        let state = inspect["state"]?.objectValue ?? [:]
        let running = state["running"]?.boolValue ?? false
        var o: JSONObject = [
            "status": "success", "device_id": .string(deviceID),
            "container_status": state["status"] ?? "unknown", "is_running": .bool(running),
        ]
        var networks = JSONObject()
        let internalName = Naming.internalNetwork(deviceID)
        for (name, value) in inspect["networks"]?.objectValue?.entries ?? [] {
            let n = value.objectValue ?? [:]
            if name == internalName {
                if let ip = n["ip_address"]?.stringValue, !ip.isEmpty { o["internal_ip"] = .string(ip) }
                continue
            }
            if name.hasSuffix("_internal") { continue }
            networks[name] = [
                "ip_address": n["ip_address"] ?? .null, "mac_address": n["mac_address"] ?? .null, "gateway": n["gateway"] ?? .null,
            ]
        }
        if let record {
            // DHCP vNICs: the leased address and gateway replace Docker's placeholder (spec §2.5).
            for v in record.vnics where v.mode == "dhcp" && v.detached == nil {
                guard let lease = leases[v.name], lease.isBound, var n = networks[v.network]?.objectValue else { continue }
                n["ip_address"] = lease.ip.map { .string($0) } ?? .null
                n["gateway"] = lease.gateway.map { .string($0) } ?? .null
                networks[v.network] = .object(n)
            }
            addWifiNetworks(&networks, record: record, leases: leases)
            o["vnics"] = .array(record.vnics.map { vnicStatus($0, inspect: inspect, lease: leases[$0.name]) })
        }
        o["networks"] = .object(networks)
        o["restart_count"] = .number(Double(record?.restarts ?? 0))
        o["docker_restart_count"] = inspect["restart_count"] ?? 0
        if running {
            if let started = state["started_at"]?.stringValue.flatMap(DockerTime.epoch) {
                o["uptime_seconds"] = .number(max(0, (now - started).rounded(.down)))
            }
        } else {
            o["exit_code"] = state["exit_code"] ?? .null
        }
        if let health = state["health"]?.stringValue { o["health_status"] = .string(health) }
        if let record {
            o["desired_state"] = .string(record.desired.rawValue)
            if record.crashLoop { o["crash_loop"] = true }
            let serial = SerialConfig.list(spec: record.spec)
            if !serial.isEmpty {
                o["serial_ports"] = .array(
                    serial.map { c in
                        guard let s = serialPorts[c.containerPath], s.config == c else {
                            return [
                                "name": .string(c.name), "device_id": .string(c.deviceID),
                                "container_path": .string(c.containerPath), "status": "disconnected",
                            ]
                        }
                        return .object(s.report)
                    })
            }
        }
        if let op = lastOperation { o["last_operation"] = .object(op.updateEvent) }
        return o
    }
}

extension DeviceStatus {
    /// One vNIC in `get_device_status`: where it is attached, its persisted MAC, its address
    /// (static, or the DHCP lease), and `state` `attached` / `detached` with the typed reason.
    static func vnicStatus(_ v: DeviceRecord.VNIC, inspect: JSONObject, lease: DHCPLease?) -> JSONValue {
        if v.isWifi, v.detached == nil { return wifiVNICStatus(v, lease: lease) }
        var e: JSONObject = [
            "name": .string(v.name), "parent_interface": .string(v.parent), "network_mode": .string(v.mode),
            "mac_address": .string(v.mac),
        ]
        if let d = v.detached {
            e["state"] = "detached"
            var reason: JSONObject = ["code": .string(d.code), "message": .string(d.message)]
            if let f = d.field { reason["field"] = .string(f) }
            e["reason"] = .object(reason)
            e["ip_address"] = .null
            return .object(e)
        }
        let endpoint = inspect["networks"]?.objectValue?[v.network]?.objectValue
        e["state"] = endpoint == nil ? "not_connected" : "attached"
        e["network"] = .string(v.network)
        if v.mode == "dhcp" {
            e["ip_address"] = lease.flatMap { $0.isBound ? $0.ip : nil }.map { .string($0) } ?? .null
            e["dhcp"] = lease.map { .object($0.json) } ?? ["state": "waiting"]
        } else {
            e["ip_address"] = v.ip.map { .string($0) } ?? endpoint?["ip_address"] ?? .null
        }
        return .object(e)
    }
}

extension OperationRecord.Kind {
    /// "created", "deleted", … for status messages.
    public var pastParticiple: String {
        switch self {
        case .create: return "created"
        case .delete, .selfDestruct: return "deleted"
        case .start: return "started"
        case .stop: return "stopped"
        case .restart: return "restarted"
        case .reattach: return "re-attached"
        case .upgrade: return "upgraded"
        }
    }
}

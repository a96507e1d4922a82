import Synchronization
import AgentJSON
import AgentPluginKit

extension FakeContainerEngine {
    /// The `container.*` methods.
    func container(_ method: String, _ params: JSONObject) async throws(PluginError) -> JSONValue {
        if method == "container.create" { return try create(params) }
        if method == "container.list" { return list(params) }
        let ref = try Self.string(params, "id")
        switch method {
        case "container.inspect":
            guard let json = world.withLock({ w in w.containerIndex(ref).map { FakeEngineShapes.inspect(w.containers[$0], in: w) } }) else {
                throw Self.error("engine_not_found", "No such container: \(ref)")
            }
            return .object(json)
        case "container.start": return ["changed": .bool(try start(ref))]
        case "container.stop": return ["changed": .bool(try stop(ref))]
        case "container.restart":
            _ = try stop(ref)
            _ = try start(ref)
            return [:]
        case "container.remove":
            let removed = world.withLock { w -> FakeEngineState.Container? in
                guard let i = w.containerIndex(ref) else { return nil }
                return w.containers.remove(at: i)
            }
            guard let removed else { return ["removed": false] }
            if removed.running { publish("die", removed, extra: ["exitCode": "137"]) }
            publish("destroy", removed)
            return ["removed": true]
        case "container.rename":
            let name = try Self.string(params, "name")
            try world.withLock { w throws(PluginError) in
                guard let i = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
                guard w.containerIndex(name) == nil else { throw Self.error("engine_conflict", "name \(name) is in use") }
                w.containers[i].name = name
            }
            return [:]
        case "container.update":
            let policy = try Self.string(params, "restart_policy")
            try world.withLock { w throws(PluginError) in
                guard let i = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
                w.containers[i].hostConfig["RestartPolicy"] = ["Name": .string(policy)]
            }
            return [:]
        case "container.device_node", "container.device_node_remove":
            let path = try Self.string(params, "container_path")
            let host = method == "container.device_node" ? try Self.string(params, "host_path") : nil
            return try world.withLock { w throws(PluginError) -> JSONValue in
                guard let i = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
                guard w.containers[i].running else {
                    throw PluginError(status: 4, code: "container_not_running", message: "container \(ref) does not run", field: "id")
                }
                if let host {
                    w.containers[i].deviceNodes[path] = host
                    return ["pid": .number(Double(w.containers[i].pid)), "container_path": .string(path)]
                }
                return ["removed": .bool(w.containers[i].deviceNodes.removeValue(forKey: path) != nil)]
            }
        case "container.stats":
            guard world.withLock({ $0.containerIndex(ref) }) != nil else { throw Self.error("engine_not_found", "No such container: \(ref)") }
            return ["read": "", "cpu_total_ns": 0, "system_cpu_ns": 0, "online_cpus": 1, "memory_bytes": 8_388_608,
                    "memory_limit_bytes": 0, "source": "engine"]
        default:
            throw PluginError(status: 2, code: "unknown_method", message: "no method '\(method)'")
        }
    }

    private func create(_ params: JSONObject) throws(PluginError) -> JSONValue {
        let name = try Self.string(params, "name")
        let image = try Self.string(params, "image")
        guard let nets = params["networks"]?.arrayValue, !nets.isEmpty else {
            throw PluginError(code: "bad_params", message: "'networks' must name at least one network", field: "networks")
        }
        var endpoints: [FakeEngineState.Endpoint] = []
        for (i, n) in nets.enumerated() {
            guard let net = n.objectValue?["network"]?.stringValue else {
                throw PluginError(code: "bad_params", message: "networks[\(i)].network is required", field: "networks[\(i)].network")
            }
            endpoints.append(
                .init(network: net, staticIP: n.objectValue?["ipv4_address"]?.stringValue, staticMAC: n.objectValue?["mac_address"]?.stringValue))
        }
        let made = try world.withLock { w throws(PluginError) -> FakeEngineState.Container in
            guard w.containerIndex(name) == nil else { throw Self.error("engine_conflict", "Conflict. The container name \"/\(name)\" is already in use") }
            guard let img = w.images[image] else { throw Self.error("engine_not_found", "No such image: \(image)") }
            for e in endpoints where !["host", "none"].contains(e.network) && w.networkIndex(e.network) == nil {
                throw Self.error("engine_not_found", "network \(e.network) not found")
            }
            var config = img.config
            for key in ["cmd", "entrypoint", "env", "user"] { if let v = params[key] { config[key] = v } }
            let c = FakeEngineState.Container(
                id: w.newID(), name: name, image: image, imageID: img.id, labels: params["labels"]?.objectValue ?? [:],
                config: config, hostConfig: params["host_config"]?.objectValue ?? [:], endpoints: endpoints)
            w.containers.append(c)
            return c
        }
        publish("create", made)
        return ["id": .string(made.id), "wiring": "endpoints_at_create", "warnings": []]
    }

    private func start(_ ref: String) throws(PluginError) -> Bool {
        let started = try world.withLock { w throws(PluginError) -> FakeEngineState.Container? in
            guard let i = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
            guard !w.containers[i].running else { return nil }
            for e in w.containers[i].endpoints.indices {
                let ep = w.containers[i].endpoints[e]
                guard let n = w.networkIndex(ep.network) else { continue }
                guard let ip = ep.staticIP ?? w.freeAddress(on: w.networks[n]) else {
                    throw Self.error("engine_error", "no free address on \(ep.network)")
                }
                if let s = ep.staticIP, w.containers.contains(where: { $0.running && $0.endpoints.contains { $0.network == ep.network && $0.ip == s } }) {
                    throw Self.error("engine_error", "Address already in use: \(s) on \(ep.network)")
                }
                w.containers[i].endpoints[e].ip = ip
                w.containers[i].endpoints[e].mac = ep.staticMAC ?? Self.mac(for: w.containers[i].id, endpoint: e)
            }
            w.nextPID += 1
            w.containers[i].pid = w.nextPID
            w.containers[i].status = "running"
            w.containers[i].startedAt = "2026-01-01T00:00:00Z"
            return w.containers[i]
        }
        guard let started else { return false }
        publish("start", started)
        return true
    }

    private func stop(_ ref: String) throws(PluginError) -> Bool {
        let stopped = try world.withLock { w throws(PluginError) -> FakeEngineState.Container? in
            guard let i = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
            guard w.containers[i].running else { return nil }
            Self.stop(&w.containers[i], exitCode: 0)
            return w.containers[i]
        }
        guard let stopped else { return false }
        publish("die", stopped, extra: ["exitCode": "0"])
        return true
    }

    private func list(_ params: JSONObject) -> JSONValue {
        let labels = params["labels"]?.objectValue ?? [:]
        let network = params["network"]?.stringValue
        let all = params["all"]?.boolValue ?? true
        return world.withLock { w in
            .array(
                w.containers.filter { c in
                    (all || c.running) && (network == nil || c.endpoints.contains { $0.network == network })
                        && labels.entries.allSatisfy { k, v in
                            guard let have = c.labels[k]?.stringValue else { return false }
                            return v.stringValue == "" || have == v.stringValue
                        }
                }.map { c in
                    [
                        "id": .string(c.id), "name": .string(c.name), "image": .string(c.image), "labels": .object(c.labels),
                        "state": .string(c.status), "status": .string(c.running ? "Up" : "Exited (\(c.exitCode))"),
                        "networks": .array(c.endpoints.map { .string($0.network) }),
                    ]
                })
        }
    }

    private static func mac(for id: String, endpoint: Int) -> String {
        let tail = Array(id.suffix(6))
        return "02:42:\(String(tail[0...1])):\(String(tail[2...3])):\(String(tail[4...5])):\(endpoint < 16 ? "0" : "")\(String(endpoint, radix: 16))"
    }
}

import Synchronization
import AgentJSON
import AgentPluginKit

extension FakeContainerEngine {
    /// `image.inspect` and `image.pull` (a pull of an unknown reference makes it present, unless
    /// a fault was injected).
    func image(_ method: String, _ params: JSONObject) throws(PluginError) -> JSONValue {
        let ref = try Self.string(params, "ref")
        if method == "image.pull", world.withLock({ $0.images[ref] }) == nil { addImage(ref) }
        guard let img = world.withLock({ w in w.images[ref] ?? w.images.values.first { $0.id == ref } }) else {
            throw Self.error("engine_not_found", "No such image: \(ref)")
        }
        if method == "image.pull" { return ["id": .string(img.id), "status": "Downloaded newer image"] }
        return ["id": .string(img.id), "repo_tags": [.string(ref)], "size": 0, "created": "", "config": .object(img.config)]
    }

    /// The `network.*` methods.
    func network(_ method: String, _ params: JSONObject) throws(PluginError) -> JSONValue {
        switch method {
        case "network.create":
            let name = try Self.string(params, "name")
            let driver = try Self.string(params, "driver")
            let ipam = params["ipam"]?.objectValue ?? [:]
            let id = try world.withLock { w throws(PluginError) -> String in
                guard w.networkIndex(name) == nil else { throw Self.error("engine_conflict", "network with name \(name) already exists") }
                let parent = params["options"]?.objectValue?["parent"]?.stringValue
                if driver == "macvlan", let parent,
                    w.networks.contains(where: { $0.driver == "macvlan" && $0.options["parent"]?.stringValue == parent })
                {
                    throw Self.error("engine_error", "network dm-\(name) is already using parent interface \(parent)")
                }
                let n = FakeEngineState.Network(
                    id: w.newID(), name: name, driver: driver, isInternal: params["internal"]?.boolValue ?? false,
                    labels: params["labels"]?.objectValue ?? [:], options: params["options"]?.objectValue ?? [:],
                    subnet: ipam["subnet"]?.stringValue, gateway: ipam["gateway"]?.stringValue, ipRange: ipam["ip_range"]?.stringValue)
                w.networks.append(n)
                return n.id
            }
            return ["id": .string(id)]
        case "network.inspect":
            let ref = try Self.string(params, "id")
            guard let json = world.withLock({ w -> JSONObject? in
                guard let i = w.networkIndex(ref) else { return nil }
                var o = Self.summary(w.networks[i])
                var members = JSONObject()
                for c in w.containers where c.running {
                    for e in c.endpoints where e.network == w.networks[i].name {
                        members[c.id] = ["name": .string(c.name), "ipv4_address": .string(e.ip), "mac_address": .string(e.mac)]
                    }
                }
                o["containers"] = .object(members)
                return o
            }) else { throw Self.error("engine_not_found", "network \(ref) not found") }
            return .object(json)
        case "network.list":
            let labels = params["labels"]?.objectValue ?? [:]
            let driver = params["driver"]?.stringValue
            return world.withLock { w in
                .array(
                    w.networks.filter { n in
                        (driver == nil || n.driver == driver)
                            && labels.entries.allSatisfy { k, v in
                                guard let have = n.labels[k]?.stringValue else { return false }
                                return v.stringValue == "" || have == v.stringValue
                            }
                    }.map { .object(Self.summary($0)) })
            }
        case "network.remove":
            let ref = try Self.string(params, "id")
            return try world.withLock { w throws(PluginError) -> JSONValue in
                guard let i = w.networkIndex(ref) else { return ["removed": false] }
                let name = w.networks[i].name
                guard !w.containers.contains(where: { c in c.running && c.endpoints.contains { $0.network == name } }) else {
                    throw Self.error("engine_forbidden", "error while removing network: network \(name) has active endpoints")
                }
                w.networks.remove(at: i)
                return ["removed": true]
            }
        case "network.connect", "network.disconnect":
            let net = try Self.string(params, "network")
            let ref = try Self.string(params, "container")
            try world.withLock { w throws(PluginError) in
                guard let n = w.networkIndex(net) else { throw Self.error("engine_not_found", "network \(net) not found") }
                guard let c = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
                let name = w.networks[n].name
                let has = w.containers[c].endpoints.contains { $0.network == name }
                if method == "network.disconnect" {
                    guard has else { throw Self.error("engine_forbidden", "container is not connected to \(name)") }
                    w.containers[c].endpoints.removeAll { $0.network == name }
                    return
                }
                guard !has else { throw Self.error("engine_forbidden", "container already connected to \(name)") }
                var e = FakeEngineState.Endpoint(
                    network: name, staticIP: params["ipv4_address"]?.stringValue, staticMAC: params["mac_address"]?.stringValue)
                if w.containers[c].running {
                    e.ip = e.staticIP ?? w.freeAddress(on: w.networks[n]) ?? ""
                    e.mac = e.staticMAC ?? "02:42:00:00:00:\(String(w.containers[c].endpoints.count + 16, radix: 16))"
                }
                w.containers[c].endpoints.append(e)
            }
            return [:]
        default:
            throw PluginError(status: 2, code: "unknown_method", message: "no method '\(method)'")
        }
    }

    static func summary(_ n: FakeEngineState.Network) -> JSONObject {
        [
            "id": .string(n.id), "name": .string(n.name), "driver": .string(n.driver), "internal": .bool(n.isInternal),
            "labels": .object(n.labels), "options": .object(n.options), "subnet": n.subnet.map { .string($0) } ?? .null,
            "gateway": n.gateway.map { .string($0) } ?? .null, "ip_range": n.ipRange.map { .string($0) } ?? .null,
        ]
    }

    /// `container.inspect`'s object (docs/container-driver.md).
    func inspect(_ c: FakeEngineState.Container, in w: FakeEngineState) -> JSONObject {
        var networks = JSONObject()
        for e in c.endpoints {
            let net = w.networks.first { $0.name == e.network }
            let prefix = net?.subnet.flatMap { IPv4Text.parseCIDR($0)?.1 } ?? 0
            let gateway = e.ip.isEmpty ? "" : (net?.gateway ?? net?.subnet.flatMap { IPv4Text.parseCIDR($0) }.map { IPv4Text.format($0.0 + 1) } ?? "")
            networks[e.network] = [
                "network_id": .string(net?.id ?? ""), "ip_address": .string(e.ip), "prefix": .number(Double(e.ip.isEmpty ? 0 : prefix)),
                "gateway": .string(gateway), "mac_address": .string(e.mac),
            ]
        }
        let h = c.hostConfig
        let policy = h["RestartPolicy"]?.objectValue?["Name"]?.stringValue ?? "no"
        return [
            "id": .string(c.id), "name": .string(c.name), "image": .string(c.image), "image_id": .string(c.imageID),
            "labels": .object(c.labels),
            "config": [
                "cmd": c.config["cmd"] ?? .null, "entrypoint": c.config["entrypoint"] ?? .null, "env": c.config["env"] ?? [],
                "user": c.config["user"] ?? "", "working_dir": c.config["working_dir"] ?? "",
            ],
            "state": [
                "status": .string(c.status), "running": .bool(c.running), "pid": .number(Double(c.pid)),
                "exit_code": .number(Double(c.exitCode)), "started_at": .string(c.startedAt), "finished_at": .string(c.finishedAt),
                "health": .null, "oom_killed": false,
            ],
            "restart_count": .number(Double(c.restartCount)),
            "host_config": [
                "cap_add": h["CapAdd"] ?? [], "ulimits": [], "device_cgroup_rules": h["DeviceCgroupRules"] ?? [],
                "restart_policy": .string(policy), "dns": h["Dns"] ?? [], "nano_cpus": h["NanoCpus"] ?? 0,
                "cpu_quota": 0, "cpu_period": 0, "memory": h["Memory"] ?? 0, "network_mode": .string(c.endpoints.first?.network ?? ""),
                "binds": h["Binds"] ?? [], "mounts": h["Mounts"] ?? [], "privileged": h["Privileged"] ?? false, "pid_mode": "",
                "group_add": [],
            ],
            "networks": .object(networks),
            "mounts": [],
        ]
    }
}

import AgentJSON

/// The JSON shapes of the fake engine's answers (docs/container-driver.md): a network's summary
/// and a container's inspect object.
enum FakeEngineShapes {
    static func summary(_ n: FakeEngineState.Network) -> JSONObject {
        [
            "id": .string(n.id), "name": .string(n.name), "driver": .string(n.driver), "internal": .bool(n.isInternal),
            "labels": .object(n.labels), "options": .object(n.options), "subnet": n.subnet.map { .string($0) } ?? .null,
            "gateway": n.gateway.map { .string($0) } ?? .null, "ip_range": n.ipRange.map { .string($0) } ?? .null,
        ]
    }

    /// `container.inspect`'s object (docs/container-driver.md).
    static func inspect(_ c: FakeEngineState.Container, in w: FakeEngineState) -> JSONObject {
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

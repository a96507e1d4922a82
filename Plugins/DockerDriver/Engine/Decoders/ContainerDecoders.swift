import ContainerEngineSupport
import AgentJSON

/// Docker container JSON → the normalized shapes of docs/container-driver.md.
public enum ContainerDecoders {
    /// `GET /containers/{id}/json` → the `container.inspect` result.
    public static func inspect(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        let o = try DockerJSON.object(docker, what: "container")
        let state = o.object("State")
        let host = o.object("HostConfig")
        let config = o.object("Config")
        let health = state.object("Health").optionalString("Status")
        var networks = JSONObject()
        for e in o.object("NetworkSettings").object("Networks").entries {
            let n = e.value.objectValue ?? [:]
            networks[e.key] = [
                "network_id": .string(n.string("NetworkID")), "ip_address": .string(n.string("IPAddress")),
                "prefix": .number(n.number("IPPrefixLen")), "gateway": .string(n.string("Gateway")),
                "mac_address": .string(n.string("MacAddress")),
            ]
        }
        let ulimits: [JSONValue] = host.array("Ulimits").compactMap { u in
            guard let u = u.objectValue else { return nil }
            return ["name": .string(u.string("Name")), "soft": .number(u.number("Soft")), "hard": .number(u.number("Hard"))]
        }
        let restart = host.object("RestartPolicy").string("Name")
        return [
            "id": .string(try DockerJSON.requiredString("Id", in: o, what: "container")),
            "name": .string(DockerJSON.containerName(o.string("Name"))),
            "image": .string(config.string("Image")),
            "image_id": .string(o.string("Image")),
            "labels": config.stringMap("Labels"),
            "config": processConfig(config),
            "state": [
                "status": .string(state.string("Status")), "running": .bool(state.bool("Running")),
                "pid": .number(state.number("Pid")), "exit_code": .number(state.number("ExitCode")),
                "started_at": .string(state.string("StartedAt")), "finished_at": .string(state.string("FinishedAt")),
                "health": health.map(JSONValue.string) ?? .null, "oom_killed": .bool(state.bool("OOMKilled")),
            ],
            "restart_count": .number(o.number("RestartCount")),
            "host_config": [
                "cap_add": .array(host.strings("CapAdd")), "ulimits": .array(ulimits),
                "device_cgroup_rules": .array(host.strings("DeviceCgroupRules")),
                "restart_policy": .string(restart.isEmpty ? "no" : restart), "dns": .array(host.strings("Dns")),
                "nano_cpus": .number(host.number("NanoCpus")), "cpu_quota": .number(host.number("CpuQuota")),
                "cpu_period": .number(host.number("CpuPeriod")), "memory": .number(host.number("Memory")),
                "network_mode": .string(host.string("NetworkMode")), "binds": .array(host.strings("Binds")),
                "mounts": .array(host.array("Mounts").filter { $0.objectValue != nil }),
                "privileged": .bool(host.bool("Privileged")), "pid_mode": .string(host.string("PidMode")),
                "group_add": .array(host.strings("GroupAdd")),
            ],
            "networks": .object(networks),
            "mounts": .array(o.array("Mounts").compactMap { m in
                guard let m = m.objectValue else { return nil }
                return [
                    "type": .string(m.string("Type")), "name": DockerJSON.stringOrNull(m.string("Name")),
                    "source": .string(m.string("Source")), "destination": .string(m.string("Destination")),
                    "rw": .bool(m.bool("RW")),
                ]
            }),
        ]
    }

    /// A container's or an image's `Config` → `{cmd, entrypoint, env, user, working_dir}`, what
    /// recreating the process needs. `cmd` and `entrypoint` are `null` when unset (the image's
    /// apply), else lists; a string `Entrypoint` (old engines) reads as a one-element list.
    static func processConfig(_ config: JSONObject) -> JSONValue {
        func list(_ key: String) -> JSONValue {
            if let s = config[key]?.stringValue { return [.string(s)] }
            guard config[key]?.arrayValue != nil else { return .null }
            return .array(config.strings(key))
        }
        return [
            "cmd": list("Cmd"), "entrypoint": list("Entrypoint"), "env": .array(config.strings("Env")),
            "user": .string(config.string("User")), "working_dir": .string(config.string("WorkingDir")),
        ]
    }

    /// `GET /containers/json` → the `container.list` result; `networks` names every network the
    /// container is configured on, whatever its state (unlike a network's `containers`).
    public static func list(_ docker: JSONValue) throws(DockerEngineError) -> [JSONValue] {
        try DockerJSON.objects(docker, what: "container list").map { c throws(DockerEngineError) -> JSONValue in
            let name = c.array("Names").first?.stringValue ?? ""
            return [
                "id": .string(try DockerJSON.requiredString("Id", in: c, what: "container list entry")),
                "name": .string(DockerJSON.containerName(name)), "image": .string(c.string("Image")),
                "labels": c.stringMap("Labels"), "state": .string(c.string("State")), "status": .string(c.string("Status")),
                "networks": .array(c.object("NetworkSettings").object("Networks").keys.map(JSONValue.string)),
            ]
        }
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true` → the `container.stats` result.
    ///
    /// `memory_bytes` is computed as `docker stats` does: usage minus the inactive page cache
    /// (`total_inactive_file` on cgroup v1, `inactive_file` on v2). `online_cpus` falls back to
    /// the length of `percpu_usage` on engines that do not report it. A stopped container
    /// reads as zeros (and `read` as `0001-01-01T00:00:00Z`).
    public static func stats(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        let o = try DockerJSON.object(docker, what: "stats")
        let cpu = o.object("cpu_stats")
        let usage = cpu.object("cpu_usage")
        var online = cpu.number("online_cpus")
        if online == 0 { online = Double(usage.array("percpu_usage").count) }
        let memory = o.object("memory_stats")
        let detail = memory.object("stats")
        var bytes = memory.number("usage")
        let inactive = detail["total_inactive_file"]?.numberValue ?? detail.number("inactive_file")
        if inactive < bytes { bytes -= inactive }
        return [
            "read": .string(o.string("read")), "cpu_total_ns": .number(usage.number("total_usage")),
            "system_cpu_ns": .number(cpu.number("system_cpu_usage")), "online_cpus": .number(online),
            "memory_bytes": .number(bytes), "memory_limit_bytes": .number(memory.number("limit")),
        ]
    }
}

import ContainerEngineSupport
import AgentJSON

/// libpod container JSON → the normalized shapes of docs/container-driver.md, in Docker's
/// spelling where the two differ (capabilities without `CAP_`, ulimit names without `RLIMIT_`
/// and in lower case, image ids with `sha256:`), so consumers see one vocabulary.
public enum ContainerDecoders {
    /// `GET /libpod/containers/{id}/json` → the `container.inspect` result.
    public static func inspect(_ podman: JSONValue) throws(PodmanEngineError) -> JSONObject {
        let o = try PodmanJSON.object(podman, what: "container")
        let state = o.object("State")
        let host = o.object("HostConfig")
        let config = o.object("Config")
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
            return ["name": .string(ulimitName(u.string("Name"))), "soft": .number(u.number("Soft")), "hard": .number(u.number("Hard"))]
        }
        let restart = host.object("RestartPolicy").string("Name")
        let health = state.object("Health").optionalString("Status")
        return [
            "id": .string(try PodmanJSON.requiredString("Id", in: o, what: "container")),
            "name": .string(PodmanJSON.containerName(o.string("Name"))),
            "image": .string(config.string("Image")),
            "image_id": .string(imageID(o.string("Image"))),
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
                "cap_add": .array(host.strings("CapAdd").compactMap(\.stringValue).map { .string(capability($0)) }),
                "ulimits": .array(ulimits),
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
                    "type": .string(m.string("Type")), "name": PodmanJSON.stringOrNull(m.string("Name")),
                    "source": .string(m.string("Source")), "destination": .string(m.string("Destination")),
                    "rw": .bool(m.bool("RW")),
                ]
            }),
        ]
    }

    /// A container's or an image's `Config` → `{cmd, entrypoint, env, user, working_dir}`.
    /// `cmd` and `entrypoint` are `null` when unset (Podman writes an unset entrypoint as `""`).
    static func processConfig(_ config: JSONObject) -> JSONValue {
        func list(_ key: String) -> JSONValue {
            if let s = config[key]?.stringValue { return s.isEmpty ? .null : [.string(s)] }
            guard config[key]?.arrayValue != nil else { return .null }
            return .array(config.strings(key))
        }
        return [
            "cmd": list("Cmd"), "entrypoint": list("Entrypoint"), "env": .array(config.strings("Env")),
            "user": .string(config.string("User")), "working_dir": .string(config.string("WorkingDir")),
        ]
    }

    /// `GET /libpod/containers/json` → the `container.list` result. `networks` names every
    /// network the container is configured on, whatever its state; `status` is the state
    /// (libpod's list has no Docker-style status text).
    public static func list(_ podman: JSONValue) throws(PodmanEngineError) -> [JSONValue] {
        try PodmanJSON.objects(podman, what: "container list").map { c throws(PodmanEngineError) -> JSONValue in
            let name = c.array("Names").first?.stringValue ?? ""
            let state = c.string("State")
            return [
                "id": .string(try PodmanJSON.requiredString("Id", in: c, what: "container list entry")),
                "name": .string(PodmanJSON.containerName(name)), "image": .string(c.string("Image")),
                "labels": c.stringMap("Labels"), "state": .string(state), "status": .string(c.optionalString("Status") ?? state),
                "networks": .array(c.strings("Networks")),
            ]
        }
    }

    /// `CAP_NET_ADMIN` → `NET_ADMIN` (Docker's spelling, as `container.create` takes it).
    static func capability(_ name: String) -> String { name.hasPrefix("CAP_") ? String(name.dropFirst(4)) : name }

    /// `RLIMIT_RTPRIO` → `rtprio`.
    static func ulimitName(_ name: String) -> String {
        (name.hasPrefix("RLIMIT_") ? String(name.dropFirst(7)) : name).lowercased()
    }

    /// A bare image id → `sha256:<id>`.
    static func imageID(_ id: String) -> String { id.isEmpty || id.hasPrefix("sha256:") ? id : "sha256:" + id }
}

import AgentJSON

/// The container JSON both engines write alike → the normalized shapes of
/// docs/container-driver.md, with an ``EngineDialect``'s spelling turned into Docker's where the
/// two differ. Each driver's decoders add what only its engine writes (list networks, stats).
extension EngineDialect {
    /// An engine's container inspect → the `container.inspect` result.
    /// - Throws: `engine_bad_response` when it is not an object or has no `Id`.
    public func inspect(_ raw: JSONValue) throws(ContainerEngineError) -> JSONObject {
        let o = try object(raw, what: "container")
        let state = o.object("State")
        let config = o.object("Config")
        let health = state.object("Health").optionalString("Status")
        return [
            "id": .string(try requiredString("Id", in: o, what: "container")),
            "name": .string(EngineText.containerName(o.string("Name"))),
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
            "host_config": .object(hostConfig(o.object("HostConfig"))),
            "networks": .object(networks(o.object("NetworkSettings").object("Networks"))),
            "mounts": .array(o.array("Mounts").compactMap { m in
                guard let m = m.objectValue else { return nil }
                return [
                    "type": .string(m.string("Type")), "name": EngineText.stringOrNull(m.string("Name")),
                    "source": .string(m.string("Source")), "destination": .string(m.string("Destination")),
                    "rw": .bool(m.bool("RW")),
                ]
            }),
        ]
    }

    /// A container's or an image's `Config` → `{cmd, entrypoint, env, user, working_dir}`, what
    /// recreating the process needs. `cmd` and `entrypoint` are `null` when unset (the image's
    /// apply), else lists; a string reads as a one-element list (old Docker engines), an empty
    /// one as unset where the dialect says so (Podman).
    public func processConfig(_ config: JSONObject) -> JSONValue {
        func list(_ key: String) -> JSONValue {
            if let s = config[key]?.stringValue { return s.isEmpty && emptyCommandIsUnset ? .null : [.string(s)] }
            guard config[key]?.arrayValue != nil else { return .null }
            return .array(config.strings(key))
        }
        return [
            "cmd": list("Cmd"), "entrypoint": list("Entrypoint"), "env": .array(config.strings("Env")),
            "user": .string(config.string("User")), "working_dir": .string(config.string("WorkingDir")),
        ]
    }

    /// A container list entry → the `container.list` result's entry, with the networks it is
    /// configured on and its status text as the engine gives them.
    /// - Throws: `engine_bad_response` when it has no `Id`.
    public func listEntry(_ c: JSONObject, networks: [JSONValue], status: String) throws(ContainerEngineError) -> JSONValue {
        [
            "id": .string(try requiredString("Id", in: c, what: "container list entry")),
            "name": .string(EngineText.containerName(c.array("Names").first?.stringValue ?? "")),
            "image": .string(c.string("Image")), "labels": c.stringMap("Labels"), "state": .string(c.string("State")),
            "status": .string(status), "networks": .array(networks),
        ]
    }

    private func hostConfig(_ host: JSONObject) -> JSONObject {
        let ulimits: [JSONValue] = host.array("Ulimits").compactMap { u in
            guard let u = u.objectValue else { return nil }
            return ["name": .string(ulimitName(u.string("Name"))), "soft": .number(u.number("Soft")), "hard": .number(u.number("Hard"))]
        }
        let restart = host.object("RestartPolicy").string("Name")
        return [
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
        ]
    }

    private func networks(_ raw: JSONObject) -> JSONObject {
        var networks = JSONObject()
        for e in raw.entries {
            let n = e.value.objectValue ?? [:]
            networks[e.key] = [
                "network_id": .string(n.string("NetworkID")), "ip_address": .string(n.string("IPAddress")),
                "prefix": .number(n.number("IPPrefixLen")), "gateway": .string(n.string("Gateway")),
                "mac_address": .string(n.string("MacAddress")),
            ]
        }
        return networks
    }
}

extension EngineText {
    /// A network's `Containers` (the Docker-compatible inspect's, which both engines write) →
    /// the `network.inspect` result's `containers`: each one's name, IPv4 address without the
    /// prefix length, and MAC. Entries with neither address nor MAC (Podman lists created and
    /// stopped containers too) are left out: the protocol lists attached containers.
    public static func networkContainers(_ raw: JSONObject) -> JSONObject {
        var containers = JSONObject()
        for e in raw.entries {
            let c = e.value.objectValue ?? [:]
            guard !c.string("IPv4Address").isEmpty || !c.string("MacAddress").isEmpty else { continue }
            containers[e.key] = [
                "name": .string(c.string("Name")), "ipv4_address": .string(addressWithoutPrefix(c.string("IPv4Address"))),
                "mac_address": .string(c.string("MacAddress")),
            ]
        }
        return containers
    }
}

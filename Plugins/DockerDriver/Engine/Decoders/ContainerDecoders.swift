import ContainerEngineSupport
import AgentJSON

/// Docker container JSON → the normalized shapes of docs/container-driver.md.
public enum ContainerDecoders {
    /// `GET /containers/{id}/json` → the `container.inspect` result.
    public static func inspect(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        try EngineDialect.docker.inspect(docker)
    }

    /// A container's or an image's `Config` → `{cmd, entrypoint, env, user, working_dir}`
    /// (``EngineDialect/processConfig(_:)``).
    static func processConfig(_ config: JSONObject) -> JSONValue { EngineDialect.docker.processConfig(config) }

    /// `GET /containers/json` → the `container.list` result; `networks` names every network the
    /// container is configured on, whatever its state (unlike a network's `containers`).
    public static func list(_ docker: JSONValue) throws(DockerEngineError) -> [JSONValue] {
        try EngineDialect.docker.objects(docker, what: "container list").map { c throws(DockerEngineError) -> JSONValue in
            try EngineDialect.docker.listEntry(
                c, networks: c.object("NetworkSettings").object("Networks").keys.map(JSONValue.string), status: c.string("Status"))
        }
    }

    /// `GET /containers/{id}/stats?stream=false&one-shot=true` → the `container.stats` result.
    ///
    /// `memory_bytes` is computed as `docker stats` does: usage minus the inactive page cache
    /// (`total_inactive_file` on cgroup v1, `inactive_file` on v2). `online_cpus` falls back to
    /// the length of `percpu_usage` on engines that do not report it. A stopped container
    /// reads as zeros (and `read` as `0001-01-01T00:00:00Z`).
    public static func stats(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        let o = try EngineDialect.docker.object(docker, what: "stats")
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

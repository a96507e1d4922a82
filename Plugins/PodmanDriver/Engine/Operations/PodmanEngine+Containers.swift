import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension PodmanEngine {
    /// `container.create` through libpod's SpecGenerator: every network at create, each with its
    /// own static IP and MAC (``SpecGenerator``).
    /// - Returns: `{id, wiring: "endpoints_at_create", warnings}`.
    public func createContainer(_ spec: ContainerSpec, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let body = try SpecGenerator(spec).bytes()
        let created = try await callJSON("POST", "/containers/create", rawJSON: body, expecting: [200, 201], timeout: timeout)
        let o = try EngineDialect.podman.object(created, what: "create answer")
        let id = try EngineDialect.podman.requiredString("Id", in: o, what: "create answer")
        return ["id": .string(id), "wiring": "endpoints_at_create", "warnings": .array(o.strings("Warnings"))]
    }

    /// `container.start`. - Returns: false when it was already running (HTTP 304).
    public func startContainer(_ id: String, timeout: Duration) async throws(PodmanEngineError) -> Bool {
        let r = try await call("POST", "/containers/\(URLEncoding.segment(id))/start", expecting: [204, 304], timeout: timeout)
        return r.status == 204
    }

    /// `container.stop`: SIGTERM (the container's stop signal), then SIGKILL after `graceSeconds`.
    /// - Returns: false when it was not running (HTTP 304).
    public func stopContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(PodmanEngineError) -> Bool {
        let r = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/stop", query: [("timeout", String(graceSeconds))], expecting: [204, 304],
            timeout: timeout)
        return r.status == 204
    }

    /// `container.restart`.
    public func restartContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(PodmanEngineError) {
        _ = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/restart", query: [("t", String(graceSeconds))], expecting: [204],
            timeout: timeout)
    }

    /// `container.remove`. - Returns: false when there was no such container.
    public func removeContainer(_ id: String, force: Bool, timeout: Duration) async throws(PodmanEngineError) -> Bool {
        let r = try await call(
            "DELETE", "/containers/\(URLEncoding.segment(id))", query: [("force", force ? "true" : "false")],
            expecting: [200, 204, 404], timeout: timeout)
        return r.status != 404
    }

    /// `container.rename` (404: no such container; 409: the name is taken).
    public func renameContainer(_ id: String, to name: String, timeout: Duration) async throws(PodmanEngineError) {
        _ = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/rename", query: [("name", name)], expecting: [200, 204], timeout: timeout)
    }

    /// `container.inspect` (normalized, see ``ContainerDecoders/inspect(_:)``).
    public func inspectContainer(_ id: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        try ContainerDecoders.inspect(try await callJSON("GET", "/containers/\(URLEncoding.segment(id))/json", timeout: timeout))
    }

    /// `container.list`: containers carrying every label in `labels` (`key=value`, or `key`) and,
    /// if given, configured on `network` (any state).
    public func listContainers(labels: [String], network: String? = nil, all: Bool, timeout: Duration)
        async throws(PodmanEngineError) -> [JSONValue]
    {
        var query = [("all", all ? "true" : "false")]
        if let f = Self.filters([("label", labels), ("network", network.map { [$0] } ?? [])]) { query.append(f) }
        return try ContainerDecoders.list(try await callJSON("GET", "/containers/json", query: query, timeout: timeout))
    }

    /// `container.stats`: from the container's cgroup when this process can read it
    /// (`source: "cgroup"`), else libpod's one-shot stats (`source: "engine"`).
    public func containerStats(_ id: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let deadline = Deadline(after: timeout)
        let inspect = try await inspectContainer(id, timeout: timeout)
        let state = inspect["state"]?.objectValue ?? [:]
        if state["running"]?.boolValue == true, let pid = state["pid"]?.numberValue, let s = CgroupSampler.sample(pid: Int32(pid)) {
            return [
                "read": "", "cpu_total_ns": .number(s.cpuTotalNanoseconds), "system_cpu_ns": .number(s.systemCPUNanoseconds),
                "online_cpus": .number(s.onlineCPUs), "memory_bytes": .number(s.memoryBytes),
                "memory_limit_bytes": .number(s.memoryLimitBytes), "source": "cgroup",
            ]
        }
        let json = try await callJSON(
            "GET", "/containers/stats", query: [("containers", id), ("stream", "false")], timeout: try deadline.remaining())
        var out = try StatsDecoder.libpod(json)
        out["source"] = "engine"
        return out
    }
}

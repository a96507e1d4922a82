import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension DockerEngine {
    /// `container.create`: creates the container and attaches its networks as the API version
    /// requires (see ``NetworkWiring``). All or nothing: every network must exist first (engines
    /// before API 1.44 accept a missing network for a created container and fail only at start),
    /// and when a connect fails the container is force-removed and the connect's error is thrown.
    /// - Returns: `{id, wiring, warnings}`.
    public func createContainer(_ spec: ContainerSpec, timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        let deadline = Deadline(after: timeout)
        let wiring = NetworkWiring(for: try await apiVersion(timeout: try deadline.remaining()))
        for network in Set(spec.networks.map(\.network)).sorted() where Self.isInspectable(network) {
            _ = try await call("GET", "/networks/\(URLEncoding.segment(network))", timeout: try deadline.remaining())
        }
        let created = try await callJSON(
            "POST", "/containers/create", query: [("name", spec.name)], json: spec.createBody(wiring: wiring),
            expecting: [200, 201], timeout: try deadline.remaining())
        let o = try EngineDialect.docker.object(created, what: "create answer")
        let id = try EngineDialect.docker.requiredString("Id", in: o, what: "create answer")
        for connect in spec.connectRequests(containerID: id, wiring: wiring) {
            do {
                _ = try await call(
                    "POST", "/networks/\(URLEncoding.segment(connect.network))/connect", json: connect.body,
                    timeout: try deadline.remaining())
            } catch {
                await rollBack(containerID: id)
                throw error
            }
        }
        return ["id": .string(id), "wiring": .string(wiring.rawValue), "warnings": .array(o.strings("Warnings"))]
    }

    /// Whether a network mode names a network (`none` and `host` do; `default` and
    /// `container:<id>` do not).
    static func isInspectable(_ network: String) -> Bool {
        network != "default" && !network.hasPrefix("container:")
    }

    /// Force-removes a half-made container, even when the calling task was cancelled or its
    /// deadline passed (in its own task, with its own 10 s). Best effort.
    private func rollBack(containerID: String) async {
        let engine = self
        await Task {
            // harmless: best effort; the create's own error is what the caller gets, and the
            // runtime's rollback retry removes what is left (CreateRollback.retry)
            _ = try? await engine.removeContainer(containerID, force: true, timeout: .seconds(10))
        }.value
    }

    /// `container.start`. - Returns: false when it was already running (HTTP 304).
    public func startContainer(_ id: String, timeout: Duration) async throws(DockerEngineError) -> Bool {
        let r = try await call("POST", "/containers/\(URLEncoding.segment(id))/start", expecting: [204, 304], timeout: timeout)
        return r.status == 204
    }

    /// `container.stop`: SIGTERM, then SIGKILL after `graceSeconds`.
    /// - Returns: false when it was not running (HTTP 304).
    public func stopContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(DockerEngineError) -> Bool {
        let r = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/stop", query: [("t", String(graceSeconds))], expecting: [204, 304],
            timeout: timeout)
        return r.status == 204
    }

    /// `container.restart`.
    public func restartContainer(_ id: String, graceSeconds: Int, timeout: Duration) async throws(DockerEngineError) {
        _ = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/restart", query: [("t", String(graceSeconds))], expecting: [204],
            timeout: timeout)
    }

    /// `container.remove`. - Returns: false when there was no such container.
    public func removeContainer(_ id: String, force: Bool, timeout: Duration) async throws(DockerEngineError) -> Bool {
        let r = try await call(
            "DELETE", "/containers/\(URLEncoding.segment(id))", query: [("force", force ? "true" : "false")],
            expecting: [204, 404], timeout: timeout)
        return r.status == 204
    }

    /// `container.rename`: gives the container `name` (404: no such container; 409: the name is
    /// taken).
    public func renameContainer(_ id: String, to name: String, timeout: Duration) async throws(DockerEngineError) {
        _ = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/rename", query: [("name", name)], expecting: [200, 204],
            timeout: timeout)
    }

    /// `container.update`: sets the restart policy (`no`, `always`, `unless-stopped`,
    /// `on-failure`) of an existing container without recreating it.
    public func updateRestartPolicy(_ id: String, policy: String, timeout: Duration) async throws(DockerEngineError) {
        _ = try await call(
            "POST", "/containers/\(URLEncoding.segment(id))/update", json: ["RestartPolicy": ["Name": .string(policy)]],
            expecting: [200], timeout: timeout)
    }

    /// `container.inspect` (normalized, see ``ContainerDecoders/inspect(_:)``).
    public func inspectContainer(_ id: String, timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        try ContainerDecoders.inspect(try await callJSON("GET", "/containers/\(URLEncoding.segment(id))/json", timeout: timeout))
    }

    /// `container.list`: containers carrying every label in `labels` (`key=value`, or `key` for
    /// "present with any value") and, if given, configured on `network` (any state).
    public func listContainers(labels: [String], network: String? = nil, all: Bool, timeout: Duration)
        async throws(DockerEngineError) -> [JSONValue]
    {
        var query = [("all", all ? "1" : "0")]
        var filters = JSONObject()
        if !labels.isEmpty { filters["label"] = .array(labels.map(JSONValue.string)) }
        if let network { filters["network"] = [.string(network)] }
        if filters.count > 0 { query.append(("filters", JSONWriter.string(.object(filters)))) }
        return try ContainerDecoders.list(try await callJSON("GET", "/containers/json", query: query, timeout: timeout))
    }

    /// `container.stats`: one sample, without waiting for a second. From the container's cgroup
    /// when this process can read it (`source: "cgroup"`: an inspect plus a few small file
    /// reads), else from the engine's one-shot stats (`source: "engine"`; up to a second each on
    /// Engine 20.10).
    public func containerStats(_ id: String, timeout: Duration) async throws(DockerEngineError) -> JSONObject {
        let inspect = try await inspectContainer(id, timeout: timeout)
        let state = inspect["state"]?.objectValue ?? [:]
        if state["running"]?.boolValue == true, let pid = state["pid"]?.numberValue,
            let s = CgroupSampler.sample(pid: Int32(pid))
        {
            return [
                "read": .string(""), "cpu_total_ns": .number(s.cpuTotalNanoseconds), "system_cpu_ns": .number(s.systemCPUNanoseconds),
                "online_cpus": .number(s.onlineCPUs), "memory_bytes": .number(s.memoryBytes),
                "memory_limit_bytes": .number(s.memoryLimitBytes), "source": "cgroup",
            ]
        }
        let json = try await callJSON(
            "GET", "/containers/\(URLEncoding.segment(id))/stats", query: [("stream", "false"), ("one-shot", "true")],
            timeout: timeout)
        var out = try ContainerDecoders.stats(json)
        out["source"] = "engine"
        return out
    }
}

import ContainerEngineSupport
import AgentJSON

/// libpod's `GET /containers/stats?stream=false` → the `container.stats` result.
enum StatsDecoder {
    /// The first entry of `Stats`: `CPUNano` (the container's CPU time), `CPUSystemNano`,
    /// `SystemNano` (the host's), `MemUsage`, `MemLimit`. A stopped container has no entry and
    /// reads as zeros.
    static func libpod(_ podman: JSONValue) throws(PodmanEngineError) -> JSONObject {
        let o = try EngineDialect.podman.object(podman, what: "stats")
        if let error = o["Error"], !error.isNull {
            let text = error.objectValue.map { $0.string("message") } ?? error.stringValue ?? "\(error)"
            throw PodmanEngineError(.engineError, "stats: \(text)")
        }
        let s = o.array("Stats").first?.objectValue ?? [:]
        return [
            "read": "", "cpu_total_ns": .number(s.number("CPUNano")), "system_cpu_ns": .number(s.number("SystemNano")),
            "online_cpus": .number(max(1, s.number("OnlineCPUs"))), "memory_bytes": .number(s.number("MemUsage")),
            "memory_limit_bytes": .number(s.number("MemLimit")),
        ]
    }
}

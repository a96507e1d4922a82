import AgentJSON
import AgentPluginKit
import RuntimeModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which container this agent runs in, for the self-upgrade, the self-destruct and
/// `get_orchestrator_version`. Owns no state (read anew each time).
struct OwnContainer: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    /// `agent_container` (site config): the name looked for when mountinfo names no container.
    let agentContainer: String

    /// The inspect of the container this agent runs in: the one named in /proc/self/mountinfo,
    /// else `agent_container` (site config), else the site key `agent.container_name`, else
    /// `$HOSTNAME`; nil when none exists on the engine.
    /// - Throws: the engine's error.
    func inspect() async throws(RuntimeError) -> JSONObject? {
        var candidates: [String] = []
        if let id = mountinfoContainerID() {
            candidates.append(id)
        } else {
            candidates.append(agentContainer)
            if let n = host.config("agent.container_name")?.stringValue { candidates.append(n) }
            if let n = getenv("HOSTNAME").map({ String(cString: $0) }), !n.isEmpty { candidates.append(n) }
        }
        for c in candidates {
            if let me = try await engine.inspect(c) { return me }
        }
        return nil
    }

    /// The id of the container this process runs in, as /proc/self/mountinfo names it; nil
    /// outside a container (or when the engine's mounts do not show it).
    func mountinfoContainerID() -> String? {
        guard let bytes = UpgradeFiles.contents(of: "/proc/self/mountinfo") else { return nil }
        return SelfContainer.id(mountinfo: String(decoding: bytes, as: UTF8.self))
    }
}

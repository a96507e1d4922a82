import AgentJSON
import AgentPluginKit

extension PluginHost {
    /// Whether this process is a one-shot (`orchestrator-agent invoke`, `adopt`; the host's
    /// `agent.mode` is not `daemon`): no supervision, no sampling, no background retries, and a
    /// mutating topic waits for its operation's end.
    var isOneShot: Bool { config("agent.mode")?.stringValue != "daemon" }
}

/// The agent's version, shown by `--version` and given to plugins as the config key
/// `agent.version` (the heartbeat's `agent_version`).
public enum AgentVersion {
    public static let current = "0.2.0"
}

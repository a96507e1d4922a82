import CAgentABI
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// The agent's version, shown by `--version` and given to plugins as the config key
/// `agent.version` (the heartbeat's `agent_version`).
public enum AgentVersion {
    /// The version this build carries.
    public static let builtIn = "0.2.0"

    /// `AGENT_VERSION` from the environment when it is set and sane (images set it from their
    /// `VERSION` build arg, as upstream does), else ``builtIn``.
    public static let current: String = resolve(ProcessInfo.processInfo.environment["AGENT_VERSION"])

    /// `value` if it is 1–64 of `[A-Za-z0-9._+-]` starting with a letter or digit, else ``builtIn``.
    static func resolve(_ value: String?) -> String {
        guard let value, (1...64).contains(value.utf8.count), value.first?.isASCII == true,
            value.first?.isLetter == true || value.first?.isNumber == true,
            value.utf8.allSatisfy({ $0 < 0x80 && (isalnum(Int32($0)) != 0 || "._+-".utf8.contains($0)) })
        else { return builtIn }
        return value
    }
}

/// What a plugin must match to load into this agent: the ABI (`agent_plugin.h`) and, for a
/// Swift plugin, the exact toolchain that built the agent.
public enum PluginCompatibility {
    /// "major.minor" of the plugin ABI this agent speaks.
    public static let abi = "\(AGENT_ABI_MAJOR).\(AGENT_ABI_MINOR)"
    /// The toolchain string of this build (a Swift plugin's descriptor must carry the same).
    public static let toolchain = String(cString: agent_swift_toolchain_id())

    /// The lines `orchestrator-agent --version --verbose` prints.
    public static var report: String {
        """
        orchestrator-agent \(AgentVersion.current)
        plugin ABI: \(abi) (a plugin built for ABI \(AGENT_ABI_MAJOR).0 … \(abi) loads; header: agent_plugin.h)
        Swift toolchain: \(toolchain)
          a Swift plugin must be built by exactly this toolchain; a C plugin declares "\(AGENT_TOOLCHAIN_NONE)" and loads on any
        """
    }
}

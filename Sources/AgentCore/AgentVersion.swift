import Foundation

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

/// Finds the log lines at or above a level in the agent's plain log (`<time> <level padded>
/// [plugin] message …`) or the sidecar's (`<time> <level> message`): both put the level in the
/// second space-separated field.
enum LogLevelScan {
    /// Lines whose level field is `error` or `critical`.
    static func errors(_ text: String) -> [String] { lines(text, levels: ["error", "critical"]) }

    /// Lines whose level field is `warning`.
    static func warnings(_ text: String) -> [String] { lines(text, levels: ["warning"]) }

    static func lines(_ text: String, levels: Set<String>) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count >= 2, levels.contains(String(fields[1])) else { return nil }
            return String(line)
        }
    }
}

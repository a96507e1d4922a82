import Foundation

/// The soak's knobs, from the environment: `SOAK_SECONDS` (default 90, the CI run),
/// `SOAK_VPLCS` (default 20, at most 100: addresses .150–.249 of the lab LAN), `SOAK_REPORT`
/// (the report file; default `/tmp/agent-soak-<UTC time>.txt`).
struct SoakConfig: Sendable {
    var seconds: Double
    var vplcs: Int
    var reportPath: String

    /// Seconds between samples: 5, or more on long runs so the table stays ≤ ~360 rows.
    var sampleInterval: Double { max(5, (seconds / 360).rounded(.up)) }
    /// Seconds between two stop/start cycles of the one vPLC that is cycled.
    var cycleInterval: Double { min(60, max(20, seconds / 10)) }
    /// Seconds between two read-only queries from the cloud.
    var queryInterval: Double { 2 }

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> SoakConfig {
        let seconds = env["SOAK_SECONDS"].flatMap(Double.init).map { max(60, $0) } ?? 90
        let vplcs = env["SOAK_VPLCS"].flatMap(Int.init).map { min(100, max(2, $0)) } ?? 20
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        return SoakConfig(seconds: seconds, vplcs: vplcs, reportPath: env["SOAK_REPORT"] ?? "/tmp/agent-soak-\(stamp).txt")
    }
}

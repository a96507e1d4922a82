import Foundation
import LabSupport

/// The fault suites' size and seed, from the environment (`scripts/faults` sets them):
/// `FAULT_FULL=1` for the full sizes, `FAULT_SEED`, `FAULT_RUNS` (kills per operation),
/// `FAULT_LINK_SECONDS` (how long the link-drop scenario runs). Without them: the CI sizes.
struct FaultKnobs: Sendable {
    let full: Bool
    let seed: UInt64
    /// Agent kills per mutating operation.
    let runsPerOperation: Int
    /// How long commands flow under link drops.
    let linkSeconds: Double
    /// dockerd restarts per operation (create, delete).
    let dockerdRuns: Int

    static let current = FaultKnobs(environment: ProcessInfo.processInfo.environment)

    init(environment env: [String: String]) {
        full = env["FAULT_FULL"] == "1"
        seed = env["FAULT_SEED"].flatMap { UInt64($0) } ?? 20_261_126
        runsPerOperation = env["FAULT_RUNS"].flatMap { Int($0) } ?? (full ? 50 : 4)
        linkSeconds = env["FAULT_LINK_SECONDS"].flatMap { Double($0) } ?? (full ? 600 : 30)
        dockerdRuns = full ? 5 : 2
    }

    /// A generator for one scenario: the run's seed mixed with the scenario's name, so scenarios
    /// do not share a sequence and each is reproducible alone.
    func rng(_ scenario: String) -> SeededRandom {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in scenario.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return SeededRandom(seed: seed ^ h)
    }
}

extension SeededRandom {
    /// Milliseconds in `range`, uniformly.
    mutating func milliseconds(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}

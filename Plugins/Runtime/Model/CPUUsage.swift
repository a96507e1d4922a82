/// A container's CPU percentage from two readings of its cumulative counters (the engine's
/// one-shot stats), as `docker stats` computes it. Pure.
public enum CPUUsage {
    /// One reading: the container's CPU time and the host's, both cumulative nanoseconds.
    public struct Reading: Sendable, Equatable {
        public var cpuNs: Double
        public var systemNs: Double

        public init(cpuNs: Double, systemNs: Double) {
            self.cpuNs = cpuNs
            self.systemNs = systemNs
        }
    }

    /// The percentage of one CPU used between `previous` and `current` times `cpus` (at least 1):
    /// 0 without a previous reading, or when the host's counter did not advance or the
    /// container's went back (a restarted container).
    public static func percent(from previous: Reading?, to current: Reading, cpus: Double) -> Double {
        guard let previous, current.systemNs > previous.systemNs, current.cpuNs >= previous.cpuNs else { return 0 }
        return (current.cpuNs - previous.cpuNs) / (current.systemNs - previous.systemNs) * max(1, cpus) * 100
    }
}

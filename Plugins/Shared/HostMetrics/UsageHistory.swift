/// A bounded history of resource samples (newest last), answering period queries
/// (`get_consumption_*`, spec §2.8–2.9). Default capacity: 48 h at 5 s.
public struct UsageHistory: Sendable {
    public struct Sample: Sendable, Equatable {
        public var timestamp: Double
        public var cpuPercent: Double
        public var memoryMB: Double
        public init(timestamp: Double, cpuPercent: Double, memoryMB: Double) {
            self.timestamp = timestamp
            self.cpuPercent = cpuPercent
            self.memoryMB = memoryMB
        }
    }

    public let capacity: Int
    private var ring: [Sample] = []
    private var head = 0

    public init(capacity: Int = 34_560) { self.capacity = max(1, capacity) }

    public var count: Int { ring.count }

    public mutating func append(_ s: Sample) {
        if ring.count < capacity {
            ring.append(s)
        } else {
            ring[head] = s
            head = (head + 1) % capacity
        }
    }

    /// Samples with `start <= timestamp <= end`, oldest first.
    public func samples(in range: ClosedRange<Double>) -> [Sample] {
        let ordered = ring.count < capacity ? ring : Array(ring[head...] + ring[..<head])
        return ordered.filter { range.contains($0.timestamp) }
    }
}

/// The period syntax of `cpuPeriod` / `memoryPeriod` (spec §2.8): `"<start>,<end>"` in unix
/// seconds, `<n>h`, `<n>m`, `<n>d`, or bare seconds (a window ending now). Anything unparseable
/// means the last hour, as upstream.
public enum UsagePeriod {
    public static func range(_ text: String, now: Double) -> ClosedRange<Double> {
        let t = text.trimmingSpaces
        let parts = t.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 2, let a = Double(parts[0].trimmingSpaces), let b = Double(parts[1].trimmingSpaces), a <= b {
            return a...b
        }
        let units: [Character: Double] = ["h": 3600, "m": 60, "d": 86_400, "s": 1]
        if let last = t.last, let unit = units[last], let n = Double(t.dropLast()), n >= 0 {
            return (now - n * unit)...now
        }
        if let n = Double(t), n >= 0 { return (now - n)...now }
        return (now - 3600)...now
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

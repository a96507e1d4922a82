/// A bounded history of resource samples (newest last), answering period queries
/// (`get_consumption_*`, spec §2.8–2.9). Default capacity: 48 h at 5 s.
///
/// The answers carry whole numbers (unix seconds, CPU %, MB), as upstream's buffer held them, so
/// a sample is kept as exactly that: 10 bytes (a `UInt32` time, a `UInt16` CPU % up to 65 535, a
/// `UInt32` MB) in three rings instead of three `Double`s. A full history is 338 KiB instead of
/// 810 KiB: one per vPLC, 48 h of fifty vPLCs is 16.5 MiB instead of 40.
public struct UsageHistory: Sendable {
    /// One sample as recorded and as answered (whole numbers when read back).
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

    /// The most samples kept; the oldest goes first.
    public let capacity: Int
    private var times: [UInt32] = []
    private var cpus: [UInt16] = []
    private var memories: [UInt32] = []
    private var head = 0

    public init(capacity: Int = 34_560) { self.capacity = max(1, capacity) }

    /// Samples held.
    public var count: Int { times.count }

    /// Records `s`: the time rounded down to the second, CPU % and MB to the nearest whole
    /// number, each clamped to what its field holds (a negative or non-finite value reads 0).
    public mutating func append(_ s: Sample) {
        let t = Self.whole(s.timestamp.rounded(.down), max: UInt32.max)
        let c = UInt16(Self.whole(s.cpuPercent.rounded(), max: UInt32(UInt16.max)))
        let m = Self.whole(s.memoryMB.rounded(), max: UInt32.max)
        if times.count < capacity {
            times.append(t)
            cpus.append(c)
            memories.append(m)
        } else {
            times[head] = t
            cpus[head] = c
            memories[head] = m
            head = (head + 1) % capacity
        }
    }

    /// Samples with `start <= timestamp <= end`, oldest first.
    public func samples(in range: ClosedRange<Double>) -> [Sample] {
        var out: [Sample] = []
        for k in 0..<times.count {
            let i = times.count < capacity ? k : (head + k) % capacity
            let t = Double(times[i])
            guard range.contains(t) else { continue }
            out.append(Sample(timestamp: t, cpuPercent: Double(cpus[i]), memoryMB: Double(memories[i])))
        }
        return out
    }

    private static func whole(_ v: Double, max: UInt32) -> UInt32 {
        guard v.isFinite, v > 0 else { return 0 }
        return v >= Double(max) ? max : UInt32(v)
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

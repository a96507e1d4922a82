#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds (`clock_gettime(CLOCK_MONOTONIC)`; vDSO, no syscall).
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Order statistics of a sample set (nearest-rank percentiles).
struct Summary {
    let count: Int
    let p50: Double
    let p90: Double
    let p99: Double
    let max: Double
    let mean: Double
    /// Total wall time of the measured loop, in the samples' unit (for throughput).
    let total: Double

    /// - Parameter samples: durations in any unit; the summary keeps that unit.
    init(_ samples: [Double], total: Double? = nil) {
        precondition(!samples.isEmpty, "no samples")
        let sorted = samples.sorted()
        func rank(_ p: Double) -> Double {
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            let r = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, r - 1))]
        }
        count = sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
        let sum = sorted.reduce(0, +)
        mean = sum / Double(sorted.count)
        self.total = total ?? sum
    }
}

/// Fixed-point formatting without Foundation's locale machinery.
func fmt(_ v: Double, _ decimals: Int = 1) -> String {
    guard v.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let r = (v * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if decimals == 0 { s = String(s[..<dot]) }
        else if have < decimals { s += String(repeating: "0", count: decimals - have) }
        else if have > decimals { s = String(s[..<s.index(dot, offsetBy: decimals + 1)]) }
    } else if decimals > 0 {
        s += "." + String(repeating: "0", count: decimals)
    }
    return s
}

/// Renders a Markdown table with padded columns.
func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    func line(_ row: [String]) -> String {
        "| " + row.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }
            .joined(separator: " | ") + " |"
    }
    let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
}

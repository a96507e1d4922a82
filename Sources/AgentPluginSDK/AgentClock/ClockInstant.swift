/// A point on a clock's monotonic timeline: nanoseconds since the clock's own origin.
///
/// Instants of different clocks do not compare meaningfully; every component keeps the instants
/// of the one clock it was given.
public struct ClockInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Later than any instant a clock reaches (used to wait for a signal with no deadline).
    public static let distantFuture = ClockInstant(nanoseconds: .max)

    public static func < (a: ClockInstant, b: ClockInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// `self` moved by `d` (saturating at ``distantFuture``).
    public func advanced(by d: Duration) -> ClockInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(d.nanosecondsClamped)
        return overflow ? (d < .zero ? ClockInstant(nanoseconds: .min) : .distantFuture) : ClockInstant(nanoseconds: sum)
    }

    /// The time from `self` to `later` (negative when `later` is earlier).
    public func duration(to later: ClockInstant) -> Duration {
        .nanoseconds(later.nanoseconds &- nanoseconds)
    }

    public static func + (a: ClockInstant, d: Duration) -> ClockInstant { a.advanced(by: d) }
    public static func - (a: ClockInstant, b: ClockInstant) -> Duration { b.duration(to: a) }

    /// Seconds since the clock's origin (for pure logic that keeps time as a `Double`, such as
    /// the crash-loop guard's window).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public var description: String { "\(nanoseconds) ns" }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    public var nanosecondsClamped: Int64 {
        let (s, atto) = components
        let (ns, o1) = s.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, o2) = ns.addingReportingOverflow(atto / 1_000_000_000)
        if o1 || o2 { return s < 0 ? .min : .max }
        return sum
    }

    /// The duration in seconds as a `Double` (for logs and jitter arithmetic).
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

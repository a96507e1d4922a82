/// The heartbeat criterion of the soak, as a pure function of the times the cloud received the
/// beats (tested on made-up series in SoakCriteriaTests).
///
/// The emitter runs at a fixed rate (HeartbeatEmitter: `sleep(until: next)`, `next += period`),
/// so a beat's lateness does not carry into the next one: every interval is the period plus the
/// difference of two delivery delays. Each interval must lie within `period ± tolerance`; a
/// missed beat shows up as an interval of about two periods, a burst as a short one. The median
/// interval must be within `medianTolerance` of the period (a drifting schedule fails it even if
/// each interval stays within the wide band).
struct HeartbeatCadence: Sendable {
    var period: Double
    var tolerance: Double
    var medianTolerance: Double

    struct Verdict: Sendable {
        var count: Int
        var intervals: [Double]
        var min: Double
        var median: Double
        var max: Double
        /// Intervals outside `period ± tolerance`, with the index of the beat that ended them.
        var outliers: [(index: Int, interval: Double)]
        /// Beats expected over the window (window / period, rounded down) minus beats received.
        var missing: Int
        var medianOK: Bool
        var isSteady: Bool { outliers.isEmpty && missing <= 0 && medianOK }
    }

    /// Judges the receive times (seconds, ascending) of the beats inside a window of `window`
    /// seconds; nil with fewer than 3 beats.
    func judge(_ times: [Double], window: Double) -> Verdict? {
        let t = times.sorted()
        guard t.count >= 3 else { return nil }
        let intervals = zip(t.dropFirst(), t).map { $0 - $1 }
        let outliers = intervals.enumerated().filter { abs($0.element - period) > tolerance }.map { (index: $0.offset + 1, interval: $0.element) }
        let median = FlatnessCheck.median(intervals)
        // A beat may fall just outside either end of the window: one fewer than window/period is fine.
        let expected = Int((window / period).rounded(.down)) - 1
        return Verdict(
            count: t.count, intervals: intervals, min: intervals.min() ?? 0, median: median, max: intervals.max() ?? 0,
            outliers: outliers, missing: expected - t.count, medianOK: abs(median - period) <= medianTolerance)
    }
}

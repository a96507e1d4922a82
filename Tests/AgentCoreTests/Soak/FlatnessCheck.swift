/// The "stays flat" criterion of the soak, as a pure function of a time series so it can be
/// tested on made-up series (SoakCriteriaTests).
///
/// The window is cut in thirds by sample index. The first third is warm-up (allocator arenas,
/// caches, lazily started threads) and is ignored. The series is flat when both hold:
/// - **step**: median(last third) − median(second third) ≤ `slack`;
/// - **trend**: the least-squares line through the second and last thirds rises by ≤ 1.5 ×
///   `slack` across them (slope × their time span). A lone step of `s` in the middle fits a line
///   rising ≈ 1.43 `s`, so the factor leaves steps to the step rule; a steady leak whose line
///   rises 1.5 × `slack` over the window fails here while its step between thirds is only half
///   of that.
/// Only growth counts: a series that shrinks is flat. `slack` is absolute plus relative:
/// `max(absolute, relative × median(second third))`.
///
/// With `floorWindow` > 1 the rules judge the series' floor instead: each value is replaced by
/// the minimum of the last `floorWindow` samples. For open fds: the runtime plugin's usage
/// sampler opens one engine connection per vPLC at once, so a sample lands either between its
/// passes (36 fds with 20 vPLCs) or on one (55); a leak raises the floor, a burst does not.
struct FlatnessCheck: Sendable {
    /// What may be added, in the series' unit (KiB, fds, threads).
    var absolute: Double
    /// What may be added, as a fraction of the post-warm-up median (0.05 = 5 %).
    var relative: Double
    /// Samples per rolling minimum (1: the values themselves).
    var floorWindow: Int = 1

    /// The figures behind a verdict.
    struct Verdict: Sendable {
        var first: Double
        var last: Double
        var middleMedian: Double
        var lastMedian: Double
        /// median(last third) − median(second third).
        var step: Double
        /// The fitted line's rise over the post-warm-up span.
        var rise: Double
        var slack: Double
        var isFlat: Bool { step <= slack && rise <= 1.5 * slack }
    }

    /// Judges `series` (time in seconds, value); nil with fewer than 6 points (no thirds to
    /// compare).
    func judge(_ raw: [(t: Double, value: Double)]) -> Verdict? {
        let series = raw.indices.map { i in
            (t: raw[i].t, value: raw[max(0, i - floorWindow + 1)...i].map(\.value).min() ?? raw[i].value)
        }
        guard series.count >= 6, let first = series.first?.value, let last = series.last?.value else { return nil }
        let third = series.count / 3
        let middle = Array(series[third..<(series.count - third)])
        let tail = Array(series[(series.count - third)...])
        let middleMedian = Self.median(middle.map(\.value))
        let lastMedian = Self.median(tail.map(\.value))
        let post = middle + tail
        let span = (post.last?.t ?? 0) - (post.first?.t ?? 0)
        let rise = Self.slope(post) * span
        let slack = max(absolute, relative * middleMedian)
        return Verdict(
            first: first, last: last, middleMedian: middleMedian, lastMedian: lastMedian,
            step: lastMedian - middleMedian, rise: rise, slack: slack)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Least-squares slope (value per second); 0 when all times are equal.
    static func slope(_ points: [(t: Double, value: Double)]) -> Double {
        let n = Double(points.count)
        guard n >= 2 else { return 0 }
        let mt = points.map(\.t).reduce(0, +) / n
        let mv = points.map(\.value).reduce(0, +) / n
        let sxx = points.map { ($0.t - mt) * ($0.t - mt) }.reduce(0, +)
        guard sxx > 0 else { return 0 }
        return points.map { ($0.t - mt) * ($0.value - mv) }.reduce(0, +) / sxx
    }
}

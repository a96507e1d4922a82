/// A point on the monotonic clock that blocking probes must not wait past.
struct Deadline {
    private let end: ContinuousClock.Instant

    /// `seconds` from now.
    init(seconds: Double) { end = ContinuousClock.now.advanced(by: .milliseconds(Int(max(0, seconds) * 1000))) }

    /// Milliseconds left (0 once passed), for `poll`.
    var remainingMilliseconds: Int32 {
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return 0 }
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, ms))
    }

    var hasPassed: Bool { ContinuousClock.now >= end }
}

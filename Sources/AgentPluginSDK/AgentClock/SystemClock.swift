#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The production clock: the monotonic timeline is `CLOCK_BOOTTIME` (what Swift's
/// `ContinuousClock` reads on Linux: it counts while the host is suspended), the wall clock is
/// `CLOCK_REALTIME`, and sleeping is `ContinuousClock`'s.
public struct SystemClock: AgentClock {
    public init() {}

    public var now: ClockInstant { ClockInstant(nanoseconds: Self.read(CLOCK_BOOTTIME)) }

    public var wallSeconds: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func sleep(until deadline: ClockInstant) async throws {
        let left = now.duration(to: deadline)
        if left <= .zero {
            try Task.checkCancellation()
            return
        }
        try await ContinuousClock().sleep(for: left)
    }

    private static func read(_ id: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

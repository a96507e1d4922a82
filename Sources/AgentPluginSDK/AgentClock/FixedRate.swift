/// A fixed-rate schedule: ticks at `start + n · period`, so a late tick does not shift the ones
/// after it; after falling behind by more than a period (a suspended host, a stalled process) it
/// starts again from now instead of bursting the missed ticks. Heartbeats and periodic checks use
/// it with ``AgentClock/sleep(until:)``.
public struct FixedRate: Sendable, Equatable {
    public let period: Duration
    /// The next tick's instant.
    public private(set) var next: ClockInstant

    /// The first tick one `period` after `start`.
    public init(period: Duration, start: ClockInstant) {
        self.period = period
        next = start + period
    }

    /// Moves to the tick after the one just taken; `now` is the clock when the tick ran.
    public mutating func advance(now: ClockInstant) {
        next = next + period
        if next < now { next = now + period }
    }

    /// Sleeps on `clock` until the next tick, then moves past it.
    /// - Throws: `CancellationError` when the task is cancelled first.
    public mutating func waitForTick(on clock: any AgentClock) async throws {
        try await clock.sleep(until: next)
        advance(now: clock.now)
    }
}

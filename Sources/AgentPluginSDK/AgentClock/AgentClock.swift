/// The one source of time for everything in the agent that waits, times out, debounces, backs
/// off or stamps: dispatcher deadlines, reconnect back-off, heartbeats, lifecycle checks, the
/// crash-loop guard, netmon's debounce and resync, DHCP supervision, audit group commit.
///
/// Production code is handed ``SystemClock``; tests hand a ``ManualClock`` and advance it, so a
/// test says "5 s later" without waiting 5 s. Components never read time any other way.
public protocol AgentClock: Sendable {
    /// Now on the monotonic timeline: never goes back, and keeps counting while the host is
    /// suspended (a deadline of 5 s is 5 s of the world's time).
    var now: ClockInstant { get }

    /// Seconds since the Unix epoch, for stamps in records, events and logs (never for
    /// measuring intervals: it may jump).
    var wallSeconds: Double { get }

    /// Suspends the calling task until `deadline` (at once if it has passed).
    /// - Throws: `CancellationError` when the task is cancelled first; the deadline is then
    ///   forgotten.
    func sleep(until deadline: ClockInstant) async throws
}

extension AgentClock {
    /// Suspends for `duration` from now. Throws `CancellationError` like ``sleep(until:)``.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

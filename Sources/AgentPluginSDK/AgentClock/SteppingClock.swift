import Synchronization

/// A test clock on which every sleep returns at once, having moved time to its deadline: a
/// component that polls until a deadline runs through it in no real time, and the test reads from
/// ``now`` how much of the component's time passed (a verdict "at once" is a verdict before any
/// sleep moved the clock far).
///
/// For code with one sleeper at a time (a poll loop, a sequence of pauses). Concurrent sleepers
/// each jump the clock, in the order they happen to call; use ``ManualClock`` when the order of
/// concurrent deadlines matters.
public final class SteppingClock: AgentClock {
    private struct State {
        var now: ClockInstant
        var wall: Double
    }

    private let state: Mutex<State>

    /// A clock at `start` on its monotonic timeline and `wallSeconds` on the wall.
    public init(start: ClockInstant = ClockInstant(nanoseconds: 1_000_000_000), wallSeconds: Double = 1_800_000_000) {
        state = Mutex(State(now: start, wall: wallSeconds))
    }

    public var now: ClockInstant { state.withLock { $0.now } }
    public var wallSeconds: Double { state.withLock { $0.wall } }

    /// Moves the clock to `deadline` (if it is later) and returns; throws `CancellationError`
    /// without moving it when the task is cancelled.
    public func sleep(until deadline: ClockInstant) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            guard deadline > s.now else { return }
            s.wall += s.now.duration(to: deadline).seconds
            s.now = deadline
        }
        await Task.yield()
    }
}

import Synchronization

/// A clock that moves only when a test says so: ``advance(by:)`` moves the monotonic and the
/// wall time together and resumes every sleeper whose deadline has been reached, earliest first.
///
/// The test pattern: start the component, wait until it sleeps on the clock
/// (``waitForSleepers(count:timeout:)``), advance, then wait on the observable effect. A
/// component woken by an advance runs asynchronously; to step through several periods, advance
/// one period at a time and wait for the next sleep in between.
public final class ManualClock: AgentClock {
    private struct Sleeper {
        let deadline: ClockInstant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        let ready: @Sendable ([ClockInstant]) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var now: ClockInstant
        var wall: Double
        var sleepers: [UInt64: Sleeper] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0

        var deadlines: [ClockInstant] { sleepers.values.map(\.deadline).sorted() }

        /// Waiters whose condition holds now, removed from the state (resumed by the caller
        /// outside the lock).
        mutating func satisfiedWaiters() -> [CheckedContinuation<Bool, Never>] {
            let d = deadlines
            let ready = waiters.filter { $0.value.ready(d) }
            for id in ready.keys { waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
    }

    private let state: Mutex<State>

    /// A clock at `start` on its monotonic timeline and `wallSeconds` on the wall.
    public init(start: ClockInstant = ClockInstant(nanoseconds: 1_000_000_000), wallSeconds: Double = 1_800_000_000) {
        state = Mutex(State(now: start, wall: wallSeconds))
    }

    public var now: ClockInstant { state.withLock { $0.now } }
    public var wallSeconds: Double { state.withLock { $0.wall } }

    /// The deadlines tasks are sleeping on, earliest first.
    public var sleeperDeadlines: [ClockInstant] { state.withLock { $0.deadlines } }

    public func sleep(until deadline: ClockInstant) async throws {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                // Decided under the lock that `advance` and the cancellation handler take: a
                // cancellation that came before this point is seen here, one after it finds the
                // sleeper registered.
                let (outcome, ready) = state.withLock { s -> (Result<Void, any Error>?, [CheckedContinuation<Bool, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= s.now { return (.success(()), []) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: c)
                    return (nil, s.satisfiedWaiters())
                }
                if let outcome { c.resume(with: outcome) }
                for w in ready { w.resume(returning: true) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward by `duration` (monotonic and wall alike) and resumes the sleepers whose
    /// deadline is now reached, earliest first.
    public func advance(by duration: Duration) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = s.now + duration
            s.wall += duration.seconds
            let reached = s.sleepers.filter { $0.value.deadline <= s.now }
            for id in reached.keys { s.sleepers[id] = nil }
            return reached.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time forward to the earliest sleeper's deadline (if any is later than now) and
    /// resumes it. - Returns: the time advanced, or nil when nobody sleeps.
    @discardableResult
    public func advanceToNextDeadline() -> Duration? {
        guard let next = sleeperDeadlines.first else { return nil }
        let step = max(.zero, now.duration(to: next))
        advance(by: step)
        return step
    }

    /// Waits (in real time, at most `timeout`) until `ready` holds for the sleepers' deadlines.
    /// `ready` runs under the clock's lock: it must not read the clock (take `now` before).
    /// - Returns: false when `timeout` passed first.
    public func waitForSleepers(
        timeout: Duration = .seconds(10), _ ready: @escaping @Sendable ([ClockInstant]) -> Bool
    ) async -> Bool {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let now = state.withLock { s -> Bool in
                if ready(s.deadlines) { return true }
                s.waiters[id] = Waiter(ready: ready, continuation: c)
                return false
            }
            if now {
                c.resume(returning: true)
                return
            }
            Task { [self] in
                // The only real-time wait in this clock: a bound, so a test whose component never
                // sleeps fails with a reason instead of hanging.
                try? await ContinuousClock().sleep(for: timeout)  // cancellation cannot happen: unstructured and unreferenced
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.continuation.resume(returning: false)
            }
        }
    }

    /// Waits until at least `count` tasks sleep on this clock (see ``waitForSleepers(timeout:_:)``).
    public func waitForSleepers(count: Int = 1, timeout: Duration = .seconds(10)) async -> Bool {
        await waitForSleepers(timeout: timeout) { $0.count >= count }
    }
}

import AgentClock
import Synchronization

/// Paces reconnection attempts on an injected clock: after a failed attempt or a lost link,
/// ``nextDelay()`` draws the next delay of the ``ReconnectPolicy`` (measuring the outage on the
/// clock) and ``wait(_:)`` sleeps it on the clock, unless ``wakeNow()`` (the host moved to another
/// network; the transport stops) cuts the wait short. A wake that comes while no wait is running
/// is kept for the next one, so none is lost.
public final class ReconnectPacer: Sendable {
    private struct State {
        var policy: ReconnectPolicy
        var outageStart: ClockInstant?
        var wakeRequested = false
        var waiting: Task<Void, any Error>?
    }

    private let clock: any AgentClock
    private let random: @Sendable () -> Double
    private let state: Mutex<State>

    /// A pacer for `policy` on `clock`; `random` draws uniformly from [0, 1) (a test fixes it).
    public init(policy: ReconnectPolicy, clock: any AgentClock, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.clock = clock
        self.random = random
        state = Mutex(State(policy: policy))
    }

    /// The link is live: the outage is over and the policy's attempt counter resets.
    public func connected() {
        state.withLock { s in
            s.policy.connected()
            s.outageStart = nil
        }
    }

    /// The delay before the next attempt; the outage is measured from the first call after the
    /// link was last live.
    public func nextDelay() -> Duration {
        let now = clock.now
        let seconds = state.withLock { s -> Double in
            let start = s.outageStart ?? now
            s.outageStart = start
            return s.policy.nextDelay(random: random(), elapsed: (now - start).seconds)
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Sleeps `delay` on the clock, or less when ``wakeNow()`` is (or was already) called.
    public func wait(_ delay: Duration) async {
        let deadline = clock.now + delay
        let clock = self.clock
        let sleep: Task<Void, any Error>? = state.withLock { s in
            if s.wakeRequested {
                s.wakeRequested = false
                return nil
            }
            let t = Task { try await clock.sleep(until: deadline) }
            s.waiting = t
            return t
        }
        guard let sleep else { return }
        await withTaskCancellationHandler {
            _ = await sleep.result  // ended by its deadline or by wakeNow()
        } onCancel: {
            sleep.cancel()
        }
        state.withLock { s in
            s.waiting = nil
            s.wakeRequested = false
        }
    }

    /// Ends the current wait now, or the next one at once when none is running.
    public func wakeNow() {
        let waiting = state.withLock { s -> Task<Void, any Error>? in
            guard let w = s.waiting else {
                s.wakeRequested = true
                return nil
            }
            s.waiting = nil
            return w
        }
        waiting?.cancel()
    }

    /// Whether a wait is running (for the transport's log and tests).
    public var isWaiting: Bool { state.withLock { $0.waiting != nil } }
}

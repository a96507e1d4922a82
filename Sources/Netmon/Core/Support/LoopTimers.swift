/// The sidecar loop's timers (debounce, resync, DHCP supervision) on an injected clock, in
/// milliseconds of its monotonic timeline. Not thread-safe: the loop thread owns it. A class, not
/// a struct: a timer's body schedules and cancels timers while ``runDue()`` is running.
///
/// The clock is a function returning milliseconds (``Clock/monotonicMs()`` in the daemon; a
/// test's `ManualClock` reading in tests): the sidecar stays free of the Swift concurrency runtime
/// that `AgentClock`'s async sleep would link into its static binary.
public final class LoopTimers {
    private struct Timer {
        let id: UInt64
        let deadline: Int64
        let body: () -> Void
    }

    private let clock: () -> Int64
    private var timers: [Timer] = []
    private var nextID: UInt64 = 0

    /// Timers on `nowMs`, a monotonic millisecond clock.
    public init(nowMs: @escaping () -> Int64 = Clock.monotonicMs) { self.clock = nowMs }

    /// Now, in milliseconds of the clock's monotonic timeline.
    public var nowMs: Int64 { clock() }

    /// Runs `body` at `deadline` (ms of ``nowMs``); the id is for ``cancel(_:)``.
    @discardableResult
    public func schedule(atMs deadline: Int64, _ body: @escaping () -> Void) -> UInt64 {
        nextID += 1
        timers.append(Timer(id: nextID, deadline: deadline, body: body))
        return nextID
    }

    /// Runs `body` `ms` milliseconds from now.
    @discardableResult
    public func schedule(afterMs ms: Int64, _ body: @escaping () -> Void) -> UInt64 {
        schedule(atMs: nowMs + ms, body)
    }

    public func cancel(_ id: UInt64?) {
        guard let id else { return }
        timers.removeAll { $0.id == id }
    }

    /// The number of pending timers.
    public var count: Int { timers.count }

    /// How long poll(2) may wait for the next timer: -1 with none, 0 when one is due.
    public func pollTimeoutMs() -> Int32 {
        guard let next = timers.map(\.deadline).min() else { return -1 }
        return Int32(clamping: max(0, next - nowMs))
    }

    /// Runs the due timers, earliest first, one at a time: a body may cancel others or add new
    /// ones (those added now wait for the next round).
    public func runDue() {
        let now = nowMs
        let lastID = nextID
        while let i = timers.indices.filter({ timers[$0].deadline <= now && timers[$0].id <= lastID })
            .min(by: { timers[$0].deadline < timers[$1].deadline })
        {
            let t = timers.remove(at: i)
            t.body()
        }
    }
}

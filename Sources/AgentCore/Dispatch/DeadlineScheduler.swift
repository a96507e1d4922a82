import Foundation

/// Fires per-request timeouts from one dedicated thread.
///
/// Why not `DispatchQueue.asyncAfter` per request: a cancelled `DispatchWorkItem` stays in
/// libdispatch's timer queue until its deadline (keeping its request alive for the whole
/// timeout), and every arm wakes the timer thread. Here, arming a deadline that is not earlier
/// than the current earliest one takes a lock and a heap push, with no wake-up (the common case:
/// equal per-topic timeouts arrive in deadline order); disarming removes the action at once.
/// Heap entries of disarmed requests are dropped lazily, and the heap is rebuilt when most of it
/// is stale, so memory stays proportional to the requests in flight.
///
/// One lock (the condition's) guards the heap and the wait: the thread decides how long to wait
/// and starts waiting without letting go of it, so an `arm` that becomes the earliest deadline
/// — from another thread, or from an action running on this one — is always seen. (With a
/// separate lock for the heap, such an `arm` in the gap signalled nobody and the thread slept
/// on its old deadline, up to an hour with an empty heap.)
final class DeadlineScheduler: Sendable {
    private struct Entry {
        let deadline: UInt64
        let id: UInt64
    }

    private struct State {
        var heap: [Entry] = []
        var actions: [UInt64: @Sendable () -> Void] = [:]
        var stopped = false
    }

    /// Shared with the thread, which must not keep the scheduler itself alive. `state` is only
    /// touched with `wakeup` locked.
    private final class Core: @unchecked Sendable {
        var state = State()
        let wakeup = NSCondition()

        func withLock<R>(_ body: (inout State) -> R) -> R {
            wakeup.lock()
            defer { wakeup.unlock() }
            return body(&state)
        }
    }

    private let core = Core()

    init() {
        let core = self.core
        let thread = Thread { Self.loop(core) }
        thread.name = "agent-deadlines"
        thread.start()
    }

    deinit {
        core.withLock { $0.stopped = true }
        core.wakeup.signal()
    }

    /// Runs `action` on the scheduler thread after `milliseconds`, unless disarmed first.
    func arm(id: UInt64, milliseconds: Int, _ action: @escaping @Sendable () -> Void) {
        let deadline = Self.now() + UInt64(max(0, milliseconds)) * 1_000_000
        core.withLock { s in
            s.actions[id] = action
            Self.push(&s.heap, Entry(deadline: deadline, id: id))
            // Signalled under the lock: the thread is either waiting (and wakes) or has not yet
            // looked at the heap (and will see this entry).
            if s.heap.first?.id == id { core.wakeup.signal() }
        }
    }

    /// Forgets the deadline of `id` (its action will not run).
    func disarm(id: UInt64) {
        core.withLock { s in
            s.actions[id] = nil
            if s.heap.count > 64, s.heap.count > 4 * s.actions.count {
                s.heap = s.heap.filter { s.actions[$0.id] != nil }
                Self.heapify(&s.heap)
            }
        }
    }

    /// The number of armed deadlines (for tests and diagnostics).
    var armedCount: Int { core.withLock { $0.actions.count } }

    private static func loop(_ core: Core) {
        let wakeup = core.wakeup
        wakeup.lock()
        while !core.state.stopped {
            let now = Self.now()
            var due: [@Sendable () -> Void] = []
            while let top = core.state.heap.first, top.deadline <= now {
                Self.pop(&core.state.heap)
                if let action = core.state.actions.removeValue(forKey: top.id) { due.append(action) }
            }
            if !due.isEmpty {
                // Actions run without the lock (they may arm or disarm); then look again.
                wakeup.unlock()
                for action in due { action() }
                wakeup.lock()
                continue
            }
            // Deciding and waiting under the same lock: no arm can slip in between.
            if let next = core.state.heap.first?.deadline {
                _ = wakeup.wait(until: Date(timeIntervalSinceNow: Double(next &- now) / 1e9))
            } else {
                wakeup.wait()
            }
        }
        wakeup.unlock()
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: binary min-heap on deadline

    private static func push(_ h: inout [Entry], _ e: Entry) {
        h.append(e)
        var i = h.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard h[i].deadline < h[parent].deadline else { break }
            h.swapAt(i, parent)
            i = parent
        }
    }

    private static func pop(_ h: inout [Entry]) {
        guard !h.isEmpty else { return }
        h.swapAt(0, h.count - 1)
        h.removeLast()
        siftDown(&h, from: 0)
    }

    private static func siftDown(_ h: inout [Entry], from start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < h.count, h[l].deadline < h[m].deadline { m = l }
            if r < h.count, h[r].deadline < h[m].deadline { m = r }
            guard m != i else { return }
            h.swapAt(i, m)
            i = m
        }
    }

    private static func heapify(_ h: inout [Entry]) {
        guard h.count > 1 else { return }
        for i in stride(from: h.count / 2 - 1, through: 0, by: -1) { siftDown(&h, from: i) }
    }
}

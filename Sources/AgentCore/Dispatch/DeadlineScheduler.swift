import Foundation
import Synchronization

/// Fires per-request timeouts from one dedicated thread.
///
/// Why not `DispatchQueue.asyncAfter` per request: a cancelled `DispatchWorkItem` stays in
/// libdispatch's timer queue until its deadline (keeping its request alive for the whole
/// timeout), and every arm wakes the timer thread. Here, arming a deadline that is not earlier
/// than the current earliest one takes a lock and a heap push, with no wake-up (the common case:
/// equal per-topic timeouts arrive in deadline order); disarming removes the action at once.
/// Heap entries of disarmed requests are dropped lazily, and the heap is rebuilt when most of it
/// is stale, so memory stays proportional to the requests in flight.
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

    /// Shared with the thread, which must not keep the scheduler itself alive.
    private final class Core: Sendable {
        let state = Mutex(State())
        let wakeup = NSCondition()
    }

    private let core = Core()

    init() {
        let core = self.core
        let thread = Thread { Self.loop(core) }
        thread.name = "agent-deadlines"
        thread.start()
    }

    deinit {
        core.state.withLock { $0.stopped = true }
        core.wakeup.lock()
        core.wakeup.signal()
        core.wakeup.unlock()
    }

    /// Runs `action` on the scheduler thread after `milliseconds`, unless disarmed first.
    func arm(id: UInt64, milliseconds: Int, _ action: @escaping @Sendable () -> Void) {
        let deadline = Self.now() + UInt64(max(0, milliseconds)) * 1_000_000
        let earliest = core.state.withLock { s -> Bool in
            s.actions[id] = action
            Self.push(&s.heap, Entry(deadline: deadline, id: id))
            return s.heap.first?.id == id
        }
        if earliest {
            core.wakeup.lock()
            core.wakeup.signal()
            core.wakeup.unlock()
        }
    }

    /// Forgets the deadline of `id` (its action will not run).
    func disarm(id: UInt64) {
        core.state.withLock { s in
            s.actions[id] = nil
            if s.heap.count > 64, s.heap.count > 4 * s.actions.count {
                s.heap = s.heap.filter { s.actions[$0.id] != nil }
                Self.heapify(&s.heap)
            }
        }
    }

    /// The number of armed deadlines (for tests and diagnostics).
    var armedCount: Int { core.state.withLock { $0.actions.count } }

    private static func loop(_ core: Core) {
        let wakeup = core.wakeup
        while true {
            var due: [@Sendable () -> Void] = []
            let now = Self.now()
            let (next, stopped): (UInt64?, Bool) = core.state.withLock { s in
                while let top = s.heap.first, top.deadline <= now {
                    Self.pop(&s.heap)
                    if let action = s.actions.removeValue(forKey: top.id) { due.append(action) }
                }
                return (s.heap.first?.deadline, s.stopped)
            }
            for action in due { action() }
            if stopped { return }
            wakeup.lock()
            if let next {
                let wait = Double(next &- Self.now()) / 1e9
                if next > Self.now() { _ = wakeup.wait(until: Date(timeIntervalSinceNow: wait)) }
            } else {
                _ = wakeup.wait(until: Date(timeIntervalSinceNow: 3600))
            }
            wakeup.unlock()
        }
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

import AgentClock
import Synchronization

/// Records fired ids and lets a test wait for a count: woken by the firing itself; the real-time
/// bound only turns a missing firing into a failure instead of a hang.
final class Firings: Sendable {
    private struct State {
        var ids: [UInt64] = []
        var waiters: [(want: Int, resume: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func fire(_ id: UInt64) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.ids.append(id)
            let n = s.ids.count
            let done = s.waiters.filter { $0.want <= n }.map(\.resume)
            s.waiters.removeAll { $0.want <= n }
            return done
        }
        for r in ready { r.resume() }
    }

    var count: Int { state.withLock { $0.ids.count } }
    var ids: [UInt64] { state.withLock { $0.ids } }

    /// True once `n` actions fired; false if `timeout` (real time) passes first.
    func wait(for n: Int, timeout: Duration = .seconds(20)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLock { s -> Bool in
                        if s.ids.count >= n { return true }
                        s.waiters.append((n, c))
                        return false
                    }
                    if now { c.resume() }
                }
                return true
            }
            group.addTask {
                // A bound on a failure, not a wait for an effect (the effect wakes the other task).
                // sleep-audit: bound (turns a missing firing into a failure)
                try? await ContinuousClock().sleep(for: timeout)  // cancelled once the firing came
                return false
            }
            let first = await group.next() ?? false
            if first { group.cancelAll() } else { self.releaseWaiters() }
            return first
        }
    }

    private func releaseWaiters() {
        let all = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            defer { s.waiters.removeAll() }
            return s.waiters.map(\.resume)
        }
        for r in all { r.resume() }
    }
}

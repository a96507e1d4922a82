import Foundation
import Synchronization
import Testing

@testable import AgentCore

/// Counts firings and lets a test wait for a count: woken by the firing itself, with a deadline
/// that only bounds a failure.
private final class Firings: Sendable {
    private struct State {
        var ids: [UInt64] = []
        var waiter: (want: Int, token: UInt64, resume: CheckedContinuation<Bool, Never>)?
        var tokens: UInt64 = 0
    }

    private let state = Mutex(State())

    func fire(_ id: UInt64) {
        let done = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.ids.append(id)
            guard let w = s.waiter, s.ids.count >= w.want else { return nil }
            s.waiter = nil
            return w.resume
        }
        done?.resume(returning: true)
    }

    var count: Int { state.withLock { $0.ids.count } }
    var ids: [UInt64] { state.withLock { $0.ids } }

    /// True once `n` actions fired; false if `seconds` pass first.
    func wait(for n: Int, seconds: Double) async -> Bool {
        await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let token = state.withLock { s -> UInt64? in
                if s.ids.count >= n { return nil }
                s.tokens += 1
                s.waiter = (n, s.tokens, c)
                return s.tokens
            }
            guard let token else { return c.resume(returning: true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                // Only this wait's own waiter, if it is still waiting.
                let late = self.state.withLock { s -> CheckedContinuation<Bool, Never>? in
                    guard let w = s.waiter, w.token == token else { return nil }
                    s.waiter = nil
                    return w.resume
                }
                late?.resume(returning: false)
            }
        }
    }
}

@Suite("Deadline scheduler: no lost wake-ups, arm/disarm races")
struct DeadlineSchedulerTests {
    @Test("an action that arms a new deadline: the new one fires (it was lost: the thread slept an hour)")
    func armFromAction() async {
        let scheduler = DeadlineScheduler()
        let firings = Firings()
        scheduler.arm(id: 1, milliseconds: 1) {
            firings.fire(1)
            scheduler.arm(id: 2, milliseconds: 1) { firings.fire(2) }
        }
        #expect(await firings.wait(for: 2, seconds: 10), "fired: \(firings.ids)")
    }

    @Test("an earlier deadline armed while the thread waits for a far one fires on time")
    func earlierArmWakesTheThread() async {
        let scheduler = DeadlineScheduler()
        let firings = Firings()
        scheduler.arm(id: 1, milliseconds: 3_600_000) { firings.fire(1) }
        for round in 0..<50 {
            scheduler.arm(id: UInt64(100 + round), milliseconds: 1) { firings.fire(UInt64(100 + round)) }
            #expect(await firings.wait(for: round + 1, seconds: 10), "round \(round)")
        }
        #expect(!firings.ids.contains(1))
        #expect(scheduler.armedCount == 1)
    }

    @Test("threads arming and disarming at once: each armed deadline fires exactly once, disarmed ones never")
    func armDisarmRace() async {
        let scheduler = DeadlineScheduler()
        let firings = Firings()
        let threads = 8, perThread = 500
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                let id = UInt64(t * perThread + i)
                scheduler.arm(id: id, milliseconds: i % 7) { firings.fire(id) }
                if i % 3 == 0 { scheduler.disarm(id: id) }
            }
        }
        // Disarmed right after arming: it may have fired already when its deadline was 0 ms.
        let kept = (0..<threads * perThread).filter { ($0 % perThread) % 3 != 0 }.map(UInt64.init)
        #expect(await firings.wait(for: kept.count, seconds: 20), "fired \(firings.count) of \(kept.count)")
        let ids = firings.ids
        #expect(Set(ids).count == ids.count, "an action ran twice")
        #expect(Set(kept).isSubset(of: Set(ids)))
        #expect(scheduler.armedCount == 0)
    }
}

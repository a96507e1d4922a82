import Foundation
import Synchronization
import Testing

@testable import AgentCore

/// Counts firings and lets a test wait for a count, with a deadline.
private final class Firings: Sendable {
    private let state = Mutex<(count: Int, ids: [UInt64])>((0, []))

    func fire(_ id: UInt64) { state.withLock { $0.count += 1; $0.ids.append(id) } }
    var count: Int { state.withLock { $0.count } }
    var ids: [UInt64] { state.withLock { $0.ids } }

    /// Polls until `count >= n` or `seconds` pass (the deadline only bounds a failure).
    func wait(for n: Int, seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if count >= n { return true }
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(2))  // polling an in-process counter; cancellation only ends the wait
        }
        return count >= n
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

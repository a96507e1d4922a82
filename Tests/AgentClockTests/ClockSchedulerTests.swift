import AgentClock
import Dispatch
import Testing

@Suite("Clock scheduler: deadlines on the injected clock, no lost wake-ups")
struct ClockSchedulerTests {
    @Test("an armed action runs when the clock reaches its deadline, not a nanosecond before")
    func firesAtDeadline() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        let deadline = clock.now + .milliseconds(100)
        scheduler.arm(id: 1, after: .milliseconds(100)) { firings.fire(1) }
        #expect(await clock.waitForSleepers { $0 == [deadline] })
        clock.advance(by: .nanoseconds(99_999_999))
        #expect(await clock.waitForSleepers { $0 == [deadline] })
        #expect(firings.count == 0)
        clock.advance(by: .nanoseconds(1))
        #expect(await firings.wait(for: 1))
        #expect(scheduler.armedCount == 0)
        await scheduler.shutdown()
    }

    @Test("a disarmed action never runs")
    func disarmed() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        scheduler.arm(id: 1, after: .seconds(1)) { firings.fire(1) }
        scheduler.arm(id: 2, after: .seconds(2)) { firings.fire(2) }
        scheduler.disarm(id: 1)
        clock.advance(by: .seconds(3))
        #expect(await firings.wait(for: 1))
        #expect(firings.ids == [2])
        await scheduler.shutdown()
    }

    @Test("re-arming an id moves its deadline: the old deadline does not fire it")
    func rearm() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        scheduler.arm(id: 1, after: .seconds(1)) { firings.fire(1) }
        scheduler.arm(id: 1, after: .seconds(10)) { firings.fire(10) }
        clock.advance(by: .seconds(5))
        let moved = clock.now + .seconds(5)
        #expect(await clock.waitForSleepers { $0 == [moved] })
        #expect(firings.count == 0)
        clock.advance(by: .seconds(5))
        #expect(await firings.wait(for: 1))
        #expect(firings.ids == [10])
        await scheduler.shutdown()
    }

    @Test("an action that arms a new deadline: the new one fires (DeadlineScheduler lost it and slept an hour)")
    func armFromAction() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        scheduler.arm(id: 1, after: .milliseconds(1)) {
            firings.fire(1)
            scheduler.arm(id: 2, after: .milliseconds(1)) { firings.fire(2) }
        }
        clock.advance(by: .milliseconds(1))
        #expect(await firings.wait(for: 1))
        // The new deadline is what the loop sleeps on now (not the empty heap's distant future).
        let next = clock.now + .milliseconds(1)
        #expect(await clock.waitForSleepers { $0 == [next] })
        clock.advance(by: .milliseconds(1))
        #expect(await firings.wait(for: 2), "fired: \(firings.ids)")
        await scheduler.shutdown()
    }

    @Test("an earlier deadline armed while the loop sleeps on a far one becomes what it sleeps on")
    func earlierArmWakesTheLoop() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        scheduler.arm(id: 1, after: .seconds(3600)) { firings.fire(1) }
        for round in 0..<50 {
            let id = UInt64(100 + round)
            let deadline = clock.now + .milliseconds(10)
            scheduler.arm(id: id, after: .milliseconds(10)) { firings.fire(id) }
            #expect(await clock.waitForSleepers { $0.first == deadline }, "round \(round)")
            clock.advance(by: .milliseconds(10))
            #expect(await firings.wait(for: round + 1), "round \(round)")
        }
        #expect(!firings.ids.contains(1))
        #expect(scheduler.armedCount == 1)
        await scheduler.shutdown()
    }

    @Test("threads arming and disarming at once on the system clock: each kept deadline fires once, disarmed ones never")
    func armDisarmRace() async {
        let scheduler = ClockScheduler(clock: SystemClock())
        let firings = Firings()
        let threads = 8, perThread = 500
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                let id = UInt64(t * perThread + i)
                scheduler.arm(id: id, after: .milliseconds(i % 7)) { firings.fire(id) }
                if i % 3 == 0 { scheduler.disarm(id: id) }
            }
        }
        // Disarmed right after arming: it may have fired already when its deadline was 0 ms.
        let kept = (0..<threads * perThread).filter { ($0 % perThread) % 3 != 0 }.map(UInt64.init)
        #expect(await firings.wait(for: kept.count), "fired \(firings.count) of \(kept.count)")
        let ids = firings.ids
        #expect(Set(ids).count == ids.count, "an action ran twice")
        #expect(Set(kept).isSubset(of: Set(ids)))
        #expect(scheduler.armedCount == 0)
        await scheduler.shutdown()
    }

    @Test("shutdown forgets armed actions and ends the loop")
    func shutdown() async {
        let clock = ManualClock()
        let scheduler = ClockScheduler(clock: clock)
        let firings = Firings()
        scheduler.arm(id: 1, after: .seconds(1)) { firings.fire(1) }
        await scheduler.shutdown()
        clock.advance(by: .seconds(2))
        scheduler.arm(id: 2, after: .zero) { firings.fire(2) }
        #expect(scheduler.armedCount == 0)
        #expect(firings.count == 0)
    }
}

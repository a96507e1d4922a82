import AgentClock
import Testing

@Suite("Fixed-rate schedule")
struct FixedRateTests {
    @Test("ticks stay on the grid when one runs late")
    func lateTickKeepsTheGrid() {
        let t0 = ClockInstant(nanoseconds: 0)
        var rate = FixedRate(period: .seconds(5), start: t0)
        #expect(rate.next == t0 + .seconds(5))
        rate.advance(now: t0 + .seconds(6))  // the tick at 5 s ran at 6 s
        #expect(rate.next == t0 + .seconds(10))
    }

    @Test("after falling behind by more than a period it restarts from now, no burst")
    func behindRestarts() {
        let t0 = ClockInstant(nanoseconds: 0)
        var rate = FixedRate(period: .seconds(5), start: t0)
        rate.advance(now: t0 + .seconds(60))  // suspended for a minute
        #expect(rate.next == t0 + .seconds(65))
    }

    @Test("waitForTick sleeps on the clock until each tick")
    func ticksOnTheManualClock() async throws {
        let clock = ManualClock()
        let start = clock.now
        let ticks = Firings()
        let task = Task {
            var rate = FixedRate(period: .seconds(5), start: start)
            for n in 1...3 {
                try await rate.waitForTick(on: clock)
                ticks.fire(UInt64(n))
            }
        }
        for n in 1...3 {
            let due = start + .seconds(5 * n)
            #expect(await clock.waitForSleepers { $0 == [due] }, "tick \(n) is awaited at \(due)")
            clock.advance(by: clock.now.duration(to: due))
            #expect(await ticks.wait(for: n))
        }
        try await task.value
    }
}

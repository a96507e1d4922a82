import AgentClock
import Testing

@Suite("Manual clock: time moves only when the test says so")
struct ManualClockTests {
    @Test("a sleeper wakes when the clock reaches its deadline, not before")
    func sleeperWakesAtDeadline() async throws {
        let clock = ManualClock()
        let start = clock.now
        let firings = Firings()
        let task = Task {
            try await clock.sleep(for: .seconds(5))
            firings.fire(1)
        }
        #expect(await clock.waitForSleepers(count: 1))
        #expect(clock.sleeperDeadlines == [start + .seconds(5)])
        clock.advance(by: .seconds(4))
        #expect(firings.count == 0)
        #expect(clock.sleeperDeadlines.count == 1)
        clock.advance(by: .seconds(1))
        #expect(await firings.wait(for: 1))
        try await task.value
        #expect(clock.now == start + .seconds(5))
    }

    @Test("wall time moves with the monotonic time")
    func wallMovesTogether() {
        let clock = ManualClock(wallSeconds: 1000)
        clock.advance(by: .milliseconds(1500))
        #expect(clock.wallSeconds == 1001.5)
    }

    @Test("a deadline already reached returns at once")
    func pastDeadline() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now)
        try await clock.sleep(for: .zero)
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test("cancelling a sleeper ends its sleep with CancellationError and forgets the deadline")
    func cancellation() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(for: .seconds(3600)) }
        #expect(await clock.waitForSleepers(count: 1))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test("a task cancelled before it sleeps does not sleep")
    func cancelledBeforeSleep() async {
        let clock = ManualClock()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(3600))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test("advanceToNextDeadline wakes the earliest sleeper only")
    func advanceToNext() async {
        let clock = ManualClock()
        let firings = Firings()
        for (id, s) in [(UInt64(1), 2), (2, 7)] {
            Task {
                try await clock.sleep(for: .seconds(s))
                firings.fire(id)
            }
        }
        #expect(await clock.waitForSleepers(count: 2))
        #expect(clock.advanceToNextDeadline() == .seconds(2))
        #expect(await firings.wait(for: 1))
        #expect(firings.ids == [1])
        #expect(clock.advanceToNextDeadline() == .seconds(5))
        #expect(await firings.wait(for: 2))
        #expect(clock.advanceToNextDeadline() == nil)
    }

    @Test("waitForSleepers answers false when nobody sleeps within its bound")
    func waitBound() async {
        let clock = ManualClock()
        #expect(await clock.waitForSleepers(count: 1, timeout: .milliseconds(50)) == false)
    }
}

import AgentClock
import Testing

@Suite("Stepping clock: every sleep jumps to its deadline")
struct SteppingClockTests {
    @Test("a poll loop runs to its deadline in no real time; the clock shows the time it took")
    func pollToDeadline() async throws {
        let clock = SteppingClock(wallSeconds: 100)
        let start = clock.now
        var polls = 0
        while clock.now < start + .seconds(30) {
            polls += 1
            try await clock.sleep(for: .milliseconds(500))
        }
        #expect(polls == 60)
        #expect(clock.now == start + .seconds(30))
        #expect(clock.wallSeconds == 130)
    }

    @Test("a deadline in the past does not move the clock back")
    func pastDeadline() async throws {
        let clock = SteppingClock()
        let start = clock.now
        try await clock.sleep(for: .seconds(2))
        try await clock.sleep(until: start)
        #expect(clock.now == start + .seconds(2))
    }

    @Test("a cancelled sleeper throws and leaves the clock where it was")
    func cancelled() async {
        let clock = SteppingClock()
        let start = clock.now
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(for: .seconds(5))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.now == start)
    }
}

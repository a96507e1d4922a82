import AgentClock
import SocketIOCore
import Testing

@Suite("Reconnect pacing on the injected clock")
struct ReconnectPacerTests {
    /// Waits until the pacer sleeps on `deadline`, then advances the clock to it.
    private func expectWait(_ clock: ManualClock, until deadline: ClockInstant, _ done: Task<Void, Never>) async {
        #expect(await clock.waitForSleepers { $0 == [deadline] }, "the pacer sleeps until \(deadline)")
        clock.advance(by: clock.now.duration(to: deadline) - .nanoseconds(1))
        #expect(await clock.waitForSleepers { $0 == [deadline] }, "still waiting 1 ns before")
        clock.advance(by: .nanoseconds(1))
        await done.value
    }

    @Test("the slot schedule on the clock: every attempt at its slot's draw, the outage measured on the clock")
    func slotsOnTheClock() async {
        let clock = ManualClock()
        let pacer = ReconnectPacer(policy: ReconnectPolicy(schedule: .slots), clock: clock, random: { 0.5 })
        pacer.connected()  // past the first-connection setup delay
        var reference = ReconnectPolicy(schedule: .slots)
        reference.connected()
        let start = clock.now
        for attempt in 0..<8 {
            let delay = pacer.nextDelay()
            let expected = reference.nextDelay(random: 0.5, elapsed: (clock.now - start).seconds)
            #expect(abs(delay.seconds - expected) < 1e-6, "attempt \(attempt): \(delay) vs \(expected) s")
            let deadline = clock.now + delay
            let done = Task { await pacer.wait(delay) }
            await expectWait(clock, until: deadline, done)
        }
        // Ten attempts fit the first 30 s of an outage whatever the draws; with 0.5 the 8th is
        // in the 2 s slot that starts at 6 s.
        #expect((clock.now - start) < .seconds(30))
    }

    @Test("before the first connection ever the delay is the fixed setup delay")
    func setupDelay() {
        let pacer = ReconnectPacer(policy: ReconnectPolicy(schedule: .slots), clock: ManualClock(), random: { 0.9 })
        #expect(pacer.nextDelay() == .seconds(ReconnectPolicy.initialSetupDelay))
    }

    @Test("wakeNow ends a running wait at once, without the clock moving")
    func wakeEndsTheWait() async {
        let clock = ManualClock()
        let pacer = ReconnectPacer(policy: ReconnectPolicy(), clock: clock)
        let start = clock.now
        let done = Task { await pacer.wait(.seconds(30)) }
        #expect(await clock.waitForSleepers(count: 1))
        pacer.wakeNow()
        await done.value
        #expect(clock.now == start)
        #expect(clock.sleeperDeadlines.isEmpty)
    }

    @Test("a wake that comes between two waits is kept: the next wait returns at once")
    func wakeBetweenWaits() async {
        let clock = ManualClock()
        let pacer = ReconnectPacer(policy: ReconnectPolicy(), clock: clock)
        pacer.wakeNow()
        await pacer.wait(.seconds(30))  // would hang (the clock never moves) if the wake were lost
        #expect(clock.sleeperDeadlines.isEmpty)
        // Used up: the wait after it sleeps again.
        let done = Task { await pacer.wait(.seconds(1)) }
        #expect(await clock.waitForSleepers(count: 1))
        clock.advance(by: .seconds(1))
        await done.value
    }

    @Test("a new outage is measured from its own start")
    func outageRestarts() async {
        let clock = ManualClock()
        let pacer = ReconnectPacer(policy: ReconnectPolicy(schedule: .slots), clock: clock, random: { 0.5 })
        var reference = ReconnectPolicy(schedule: .slots)
        pacer.connected()
        reference.connected()
        _ = pacer.nextDelay()
        _ = reference.nextDelay(random: 0.5, elapsed: 0)
        clock.advance(by: .seconds(100))  // a long outage: the 30 s slots
        let late = reference.nextDelay(random: 0.5, elapsed: 100)
        #expect(abs(pacer.nextDelay().seconds - late) < 1e-6)
        pacer.connected()
        reference.connected()
        let fresh = reference.nextDelay(random: 0.5, elapsed: 0)
        #expect(abs(pacer.nextDelay().seconds - fresh) < 1e-6, "the first slot again")
        #expect(fresh < 1)
    }
}

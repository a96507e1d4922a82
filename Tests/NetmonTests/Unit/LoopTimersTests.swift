import AgentClock
import NetmonCore
import Testing

@Suite("Sidecar loop timers on a manual clock (debounce, resync)")
struct LoopTimersTests {
    private func timers(_ clock: ManualClock) -> LoopTimers {
        LoopTimers(nowMs: { clock.now.nanoseconds / 1_000_000 })
    }

    @Test("a timer runs when the clock reaches it; poll's timeout follows the clock")
    func dueOnTheClock() {
        let clock = ManualClock()
        let t = timers(clock)
        var fired: [String] = []
        #expect(t.pollTimeoutMs() == -1)
        t.schedule(afterMs: 300) { fired.append("a") }
        t.schedule(afterMs: 100) { fired.append("b") }
        #expect(t.pollTimeoutMs() == 100)
        clock.advance(by: .milliseconds(99))
        t.runDue()
        #expect(fired.isEmpty)
        #expect(t.pollTimeoutMs() == 1)
        clock.advance(by: .milliseconds(150))  // 249 ms: "b" overdue, "a" not yet
        #expect(t.pollTimeoutMs() == 0)
        t.runDue()
        #expect(fired == ["b"])
        clock.advance(by: .milliseconds(1000))
        t.runDue()
        #expect(fired == ["b", "a"], "earliest first")
        #expect(t.count == 0)
    }

    @Test("a timer added by a timer's body waits for the next round; a cancelled one never runs")
    func reentrancy() {
        let clock = ManualClock()
        let t = timers(clock)
        var fired: [String] = []
        let doomed = t.schedule(afterMs: 10) { fired.append("doomed") }
        t.schedule(afterMs: 5) {
            fired.append("first")
            t.cancel(doomed)
            t.schedule(afterMs: 0) { fired.append("added") }
        }
        clock.advance(by: .milliseconds(20))
        t.runDue()
        #expect(fired == ["first"])
        t.runDue()
        #expect(fired == ["first", "added"])
    }

    @Test("the debounce as the daemon wires it: a change goes out once the quiet window has passed on the clock")
    func debounceOnTheClock() {
        let clock = ManualClock()
        let t = timers(clock)
        let probe = InterfaceTypeProbe.none
        var table = Fixture.table()
        var tracker = ChangeTracker(debounceMs: 300)
        tracker.prime(table: table, probe: probe)
        var sent: [ChangeTracker.Change] = []
        table.apply(.newAddress(Fixture.addr(2, "10.1.0.2", 16)))
        #expect(tracker.changed(2, now: t.nowMs, table: table, probe: probe).isEmpty)
        guard let deadline = tracker.nextDeadline else {
            Issue.record("no debounce deadline after a change")
            return
        }
        t.schedule(atMs: deadline) { sent += tracker.due(now: t.nowMs, table: table, probe: probe) }
        clock.advance(by: .milliseconds(299))
        t.runDue()
        #expect(sent.isEmpty)
        clock.advance(by: .milliseconds(1))
        t.runDue()
        #expect(sent.count == 1)
    }
}

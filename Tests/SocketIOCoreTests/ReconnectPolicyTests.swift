import SocketIOCore
import Testing
import LabSupport

@Suite("Reconnect back-off (upstream §1.4)")
struct ReconnectPolicyTests {
    static let almostOne = 1.0.nextDown

    @Test func constantsMatchUpstream() {
        #expect(ReconnectPolicy.initialSetupDelay == 5.0)
        #expect(ReconnectPolicy.baseDelay == 1.0)
        #expect(ReconnectPolicy.maxDelay == 30.0)
        #expect(ReconnectPolicy.jitter == 0.3)
        #expect(ReconnectPolicy.floor == 1.0)
    }

    @Test func freshPolicyHasNeverConnected() {
        #expect(ReconnectPolicy().schedule == .upstream)
        let p = ReconnectPolicy()
        #expect(!p.hasEverConnected)
        #expect(p.attempt == 0)
    }

    @Test(
        "before the first success: a fixed 5 s and the attempt counter does not move",
        arguments: [0.0, 0.25, 0.5, almostOne])
    func fixedDelayBeforeFirstSuccess(random: Double) {
        var p = ReconnectPolicy()
        for _ in 0..<20 {
            #expect(p.nextDelay(random: random) == 5.0)
            #expect(p.attempt == 0)
            #expect(!p.hasEverConnected)
        }
    }

    @Test func connectedFlipsTheFlagAndResets() {
        var p = ReconnectPolicy()
        _ = p.nextDelay(random: 0.5)
        p.connected()
        #expect(p.hasEverConnected)
        #expect(p.attempt == 0)
        // Now the delay is exponential, not 5 s.
        #expect(p.nextDelay(random: 0.5) == 1.0)
        #expect(p.attempt == 1)
    }

    @Test func withoutJitterTheDelaysDoubleUpToThirty() {
        var p = ReconnectPolicy()
        p.connected()
        let delays = (0..<10).map { _ in p.nextDelay(random: 0.5) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30, 30, 30])
        #expect(p.attempt == 10)
    }

    @Test(
        "jitter keeps the delay within ±30 % of the base, floored at 1 s",
        arguments: [
            // (random, expected delays for attempts 0…6)
            (0.0, [1.0, 1.4, 2.8, 5.6, 11.2, 21.0, 21.0]),
            (0.5, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]),
            (0.75, [1.15, 2.3, 4.6, 9.2, 18.4, 34.5, 34.5]),
            (almostOne, [1.3, 2.6, 5.2, 10.4, 20.8, 39.0, 39.0]),
        ])
    func jitterBounds(random: Double, expected: [Double]) {
        var p = ReconnectPolicy()
        p.connected()
        for (attempt, want) in expected.enumerated() {
            let got = p.nextDelay(random: random)
            #expect(abs(got - want) < 1e-9, "attempt \(attempt): got \(got), want \(want)")
        }
    }

    @Test func attemptZeroWithLowestRandomIsFlooredToOneSecond() {
        var p = ReconnectPolicy()
        p.connected()
        // 1 s · (1 − 0.3) = 0.7 s → floored to 1.0 s
        #expect(p.nextDelay(random: 0) == 1.0)
        // 1 s · (1 − 0.3 · 0.2) = 0.94 s → still floored
        p.connected()
        #expect(p.nextDelay(random: 0.4) == 1.0)
    }

    @Test(arguments: [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, almostOne])
    func everyDelayIsWithinThirtyPercentOfItsBase(random: Double) {
        var p = ReconnectPolicy()
        p.connected()
        for attempt in 0..<12 {
            let base = min(1.0 * Double(1 << attempt), 30.0)
            let d = p.nextDelay(random: random)
            #expect(d >= max(1.0, base * 0.7) - 1e-9, "attempt \(attempt)")
            #expect(d <= base * 1.3 + 1e-9, "attempt \(attempt)")
            #expect(d >= 1.0)
        }
    }

    @Test func connectedAgainResetsToOneSecond() {
        var p = ReconnectPolicy()
        p.connected()
        for _ in 0..<7 { _ = p.nextDelay(random: 0.5) }
        #expect(p.attempt == 7)
        #expect(p.nextDelay(random: 0.5) == 30)
        p.connected()
        #expect(p.attempt == 0)
        #expect(p.hasEverConnected)
        #expect(p.nextDelay(random: 0.5) == 1)
        #expect(p.nextDelay(random: 0.5) == 2)
    }

    @Test func longRunNeverExceedsTheCapOrOverflows() {
        var p = ReconnectPolicy()
        p.connected()
        var rng = SeededRandom(seed: 42)
        var maxSeen = 0.0
        for i in 0..<100 {
            let d = p.nextDelay(random: Double.random(in: 0..<1, using: &rng))
            #expect(d.isFinite)
            #expect(d >= 1.0)
            #expect(d <= 30 * 1.3, "failure \(i): \(d)")
            if i >= 5 { #expect(d >= 30 * 0.7 - 1e-9, "failure \(i): \(d)") }
            maxSeen = max(maxSeen, d)
        }
        #expect(p.attempt == 100)
        #expect(maxSeen > 30 * 0.7)
        // Extreme randoms at a very high attempt count still stay bounded.
        for _ in 0..<10_000 { _ = p.nextDelay(random: 0.5) }
        #expect(p.attempt == 10_100)
        #expect(p.nextDelay(random: Self.almostOne) <= 39.0)
        #expect(p.nextDelay(random: 0) == 21.0)
        #expect(p.nextDelay(random: 0.5) == 30.0)
    }

    @Test func policiesCompareByState() {
        var a = ReconnectPolicy()
        let b = ReconnectPolicy()
        #expect(a == b)
        a.connected()
        #expect(a != b)
        var c = ReconnectPolicy()
        c.connected()
        #expect(a == c)
        _ = a.nextDelay(random: 0.5)
        #expect(a != c)
    }
}

@Suite("Reconnect back-off: jittered slots")
struct SlotScheduleTests {
    static func connected() -> ReconnectPolicy {
        var p = ReconnectPolicy(schedule: .slots)
        p.connected()
        return p
    }

    @Test func beforeTheFirstSuccessItIsFiveSecondsToo() {
        var p = ReconnectPolicy(schedule: .slots)
        #expect(p.nextDelay(random: 0.1, elapsed: 0) == 5)
        #expect(p.attempt == 0)
    }

    @Test func slotBoundaries() {
        #expect((0..<14).map(ReconnectPolicy.slotStart) == [0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 30, 45, 65, 95])
        #expect(ReconnectPolicy.slotStart(15) == 95 + 2 * 30)
        #expect(ReconnectPolicy.slotWidth(100) == 30)
    }

    /// Attempt times (seconds since the link was lost) when every attempt fails at once.
    static func attemptTimes(_ randoms: [Double]) -> [Double] {
        var p = connected()
        var now = 0.0
        return randoms.map { r in
            now += p.nextDelay(random: r, elapsed: now)
            return now
        }
    }

    @Test("one attempt per slot, anywhere in it: never more than 10 in the first 30 s, whatever the draws",
          arguments: [0.0, 0.3, 0.5, 0.99, 1.0.nextDown])
    func attemptsPerOutage(random: Double) {
        let times = Self.attemptTimes(Array(repeating: random, count: 40))
        #expect(times.filter { $0 < 30 }.count <= 10)
        #expect(times.filter { $0 < 60 }.count <= 12)
        for (n, t) in times.enumerated() {
            #expect(t >= ReconnectPolicy.slotStart(n) && t < ReconnectPolicy.slotStart(n + 1), "attempt \(n) at \(t)")
        }
    }

    @Test(
        "a cloud back 3 to 5 s after it went away is reached within 2 s, half the time within 1 s (10k random schedules each)",
        arguments: [3.0, 3.4, 4.0, 4.5, 4.99])
    func shortOutageIsBridgedQuickly(back: Double) {
        var rng = SeededRandom(seed: 7)
        var waits: [Double] = []
        for _ in 0..<10_000 {
            let times = Self.attemptTimes((0..<14).map { _ in Double.random(in: 0..<1, using: &rng) })
            waits.append((times.first { $0 >= back } ?? .infinity) - back)
        }
        waits.sort()
        #expect(waits.last ?? .infinity <= 2.0, "worst \(waits.last ?? .infinity)")
        #expect(waits[waits.count / 2] <= 1.0, "median \(waits[waits.count / 2])")
    }

    @Test("time spent in a failed attempt is not waited again")
    func elapsedCounts() {
        var p = Self.connected()
        #expect(p.nextDelay(random: 0.5, elapsed: 0) == 0.5)
        // The first attempt took 2 s to fail: slot 1 ([1, 2)) is over, so no wait at all.
        #expect(p.nextDelay(random: 0.5, elapsed: 2.5) == 0)
        #expect(p.nextDelay(random: 0.5, elapsed: 2.5) == 0)  // slot 2 ends at 3: 2.5 is its middle
        #expect(p.nextDelay(random: 0.0, elapsed: 2.5) == 0.5)  // slot 3 starts at 3
        #expect(p.nextDelay(random: 0.5, elapsed: 3.5) == 1.0)  // slot 4: [4, 5)
    }

    @Test func successStartsOver() {
        var p = Self.connected()
        for _ in 0..<20 { _ = p.nextDelay(random: 0.5, elapsed: 1000) }
        p.connected()
        #expect(p.attempt == 0)
        #expect(p.nextDelay(random: 0.25, elapsed: 0) == 0.25)
    }
}


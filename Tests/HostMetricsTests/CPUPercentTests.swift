import HostMetrics
import Testing

@Suite("CPUTimes.percent")
struct CPUPercentTests {
    static func snapshot(user: UInt64, system: UInt64, idle: UInt64, iowait: UInt64, guest: UInt64 = 0) -> CPUTimes {
        CPUTimes(
            user: user, nice: 0, system: system, idle: idle, iowait: iowait, irq: 0, softirq: 0, steal: 0,
            guest: guest, guestNice: 0)
    }

    @Test func busyShareOfTheDelta() throws {
        let first = try #require(ProcParsers.cpuTimes(stat: "cpu 100 0 100 800 0 0 0 0 0 0"))
        let second = try #require(ProcParsers.cpuTimes(stat: "cpu 250 0 150 1000 100 0 0 0 0 0"))
        // Δtotal = 1500 − 1000 = 500, Δbusy = 400 − 200 = 200 → 40 %.
        #expect(CPUTimes.percent(from: first, to: second) == 40.0)
    }

    @Test func iowaitCountsAsIdleAndResultIsRoundedToOneDecimal() {
        let first = Self.snapshot(user: 0, system: 0, idle: 0, iowait: 0)
        let second = Self.snapshot(user: 1, system: 0, idle: 1, iowait: 1)
        // 1 busy of 3 → 33.333… → 33.3
        #expect(CPUTimes.percent(from: first, to: second) == 33.3)
    }

    @Test func guestTimeIsNotCountedTwice() {
        let second = Self.snapshot(user: 50, system: 0, idle: 50, iowait: 0, guest: 50)
        // user already contains the 50 guest ticks: total 50 (user) + 50 (idle) = 100 → 50 %.
        #expect(CPUTimes.percent(from: .zero, to: second) == 50.0)
    }

    @Test func noElapsedTimeOrBackwardsCountersGiveZero() {
        let snap = Self.snapshot(user: 10, system: 10, idle: 10, iowait: 0)
        #expect(CPUTimes.percent(from: snap, to: snap) == 0)
        #expect(CPUTimes.percent(from: snap, to: .zero) == 0)
    }

    @Test func fullyBusyIsOneHundred() {
        let second = Self.snapshot(user: 70, system: 30, idle: 0, iowait: 0)
        #expect(CPUTimes.percent(from: .zero, to: second) == 100.0)
    }
}

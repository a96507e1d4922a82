import HostMetrics
import Testing

@Suite("ProcParsers.cpuTimes")
struct CPUTimesParserTests {
    static let realStat = """
        cpu  4705 150 1120 16250 520 0 30 0 40 5
        cpu0 2350 75 560 8125 260 0 15 0 20 2
        cpu1 2355 75 560 8125 260 0 15 0 20 3
        intr 1462898 21 9 0 0 0 0 0 0 0 0 0
        ctxt 2406286
        btime 1700000000
        processes 9801
        procs_running 2
        procs_blocked 0
        softirq 300000 0 1000 2 3000 0 0 50 2000 0 3000
        """

    @Test func parsesTheAggregateLineNotPerCPU() throws {
        let times = try #require(ProcParsers.cpuTimes(stat: Self.realStat))
        #expect(
            times
                == CPUTimes(
                    user: 4705, nice: 150, system: 1120, idle: 16250, iowait: 520, irq: 0, softirq: 30,
                    steal: 0, guest: 40, guestNice: 5))
        // total excludes guest/guestNice (already inside user/nice); busy excludes idle+iowait.
        #expect(times.total == 4705 + 150 + 1120 + 16250 + 520 + 30)
        #expect(times.busy == 4705 + 150 + 1120 + 30)
    }

    @Test func aggregateLineMayComeAfterOthers() {
        let text = "cpu0 1 2 3 4\ncpu 10 20 30 40\n"
        #expect(ProcParsers.cpuTimes(stat: text)?.system == 30)
    }

    @Test func oldKernelWithFourFieldsDefaultsTheRestToZero() throws {
        let times = try #require(ProcParsers.cpuTimes(stat: "cpu 1 2 3 4\n"))
        #expect(times.idle == 4)
        #expect(times.iowait == 0 && times.steal == 0 && times.guestNice == 0)
    }

    @Test(arguments: [
        "", "garbage", "cpu", "cpu 1 2 3", "cpu a b c d", "cpu -1 2 3 4", "cpu0 1 2 3 4",
        "cpu 1 2 3 99999999999999999999999", "\n\n\n", "intr 1 2 3",
    ])
    func malformedInputIsNil(_ text: String) {
        #expect(ProcParsers.cpuTimes(stat: text) == nil)
    }
}

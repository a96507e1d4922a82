import Foundation
import Testing

/// The soak's pass/fail rules on made-up series: they must fail what they are meant to catch,
/// and pass warm-up and noise.
@Suite("soak criteria")
struct SoakCriteriaTests {
    let rule = FlatnessCheck(absolute: 4096, relative: 0.05)

    func series(_ count: Int, every: Double = 5, _ value: (Int) -> Double) -> [(t: Double, value: Double)] {
        (0..<count).map { (Double($0) * every, value($0)) }
    }

    @Test("a warm-up climb followed by a plateau with noise is flat")
    func warmUpThenPlateau() throws {
        // 60 samples: climbs 20 MiB during the first third, then 50 MiB ± 1 MiB.
        let v = try #require(rule.judge(series(60) { i in i < 20 ? 30_000 + Double(i) * 1000 : 51_200 + Double((i * 7) % 5 - 2) * 512 }))
        #expect(v.isFlat, "\(v)")
    }

    @Test("a steady leak fails by its trend even when it is small per sample")
    func steadyLeak() throws {
        // +170 KiB per sample after warm-up: 6.5 MiB over the 40 post-warm-up samples; the
        // medians of the thirds differ by only 3.3 MiB (under the 4 MiB slack).
        let v = try #require(rule.judge(series(60) { i in 50_000 + Double(max(0, i - 20)) * 170 }))
        #expect(!v.isFlat && v.step <= v.slack && v.rise > 1.5 * v.slack, "\(v)")
    }

    @Test("a step up in the last third fails; a step down does not")
    func steps() throws {
        let fds = FlatnessCheck(absolute: 2, relative: 0)
        #expect(fds.judge(series(30) { $0 < 20 ? 40 : 43 })?.isFlat == false)
        #expect(fds.judge(series(30) { $0 < 20 ? 40 : 42 })?.isFlat == true)
        #expect(fds.judge(series(30) { $0 < 20 ? 40 : 30 })?.isFlat == true)
        #expect(fds.judge(series(5) { _ in 40 }) == nil)
    }

    @Test("the relative slack applies to large processes")
    func relativeSlack() throws {
        // 200 MiB: 5 % is 10 MiB, more than the 4 MiB absolute slack.
        let v = try #require(rule.judge(series(30) { $0 < 20 ? 204_800 : 204_800 + 8192 }))
        #expect(abs(v.slack - 10_240) < 1 && v.isFlat, "\(v)")
    }

    @Test("heartbeats: steady passes; a missed beat, a late one, a short one and a drifting period fail")
    func cadence() throws {
        let rule = HeartbeatCadence(period: 5, tolerance: 1, medianTolerance: 0.2)
        let steady: [Double] = (0..<60).map { (i: Int) -> Double in 1000 + Double(i) * 5 + Double(i % 3) * 0.05 }
        #expect(rule.judge(steady, window: 300)?.isSteady == true)
        var missed = steady
        missed.remove(at: 30)
        #expect(rule.judge(missed, window: 300)?.outliers.map(\.index) == [30])
        var late = steady
        late[10] += 1.5
        #expect(rule.judge(late, window: 300)?.outliers.count == 2)
        let drift: [Double] = (0..<60).map { (i: Int) -> Double in 1000 + Double(i) * 5.4 }
        let d = try #require(rule.judge(drift, window: 300))
        #expect(d.outliers.isEmpty && !d.medianOK && !d.isSteady)
        #expect(rule.judge(Array(steady.prefix(30)), window: 300)?.missing == 29)
    }

    @Test("log scan: error and critical lines of the agent's and the sidecar's formats, warnings apart")
    func logScan() {
        let text = """
            2026-11-26T10:43:38.822Z info     [io.autonomy.runtime] ready
            2026-11-26T10:43:38.823Z error    [io.autonomy.runtime] crash loop: restarts stopped device=x
            2026-11-26T10:43:38.824Z warning  heartbeat not sent
            2026-11-26T10:43:38.825Z critical out of memory
            2026-11-26T10:43:38.826Z error resync: netlink dump failed
            2026-11-26T10:43:38.827Z info     message mentions error level
            """
        #expect(LogLevelScan.errors(text).count == 3)
        #expect(LogLevelScan.warnings(text).count == 1)
    }

    @Test("/proc parsing: status and smaps_rollup fields (tab after the colon), and this process's own sample")
    func procFields() throws {
        #expect(ProcessSample.field("Name:\tx\nVmRSS:\t   12345 kB\nThreads:\t7\n", "VmRSS:") == 12345)
        #expect(ProcessSample.field("Name:\tx\nThreads:\t7\n", "Threads:") == 7)
        #expect(ProcessSample.field("Pss_Anon:  1 kB\nPss:                 812 kB\n", "Pss:") == 812)
        let me = try #require(ProcessSample.read(pid: getpid()))
        #expect(me.rssKiB > 0 && me.pssKiB > 0 && me.privateKiB > 0 && me.privateKiB <= me.rssKiB && me.fds >= 3 && me.threads >= 1, "\(me)")
        #expect(ProcessSample.read(pid: -1) == nil)
    }

    @Test("fds with bursts: the floor decides; a leak under the bursts still fails")
    func floor() {
        let fds = FlatnessCheck(absolute: 2, relative: 0, floorWindow: 6)
        // 36 between health checks, 55 on them, in an uneven pattern: mostly 36 in the second
        // third, mostly 55 in the last, so the medians of the thirds differ by 19.
        let bursty = series(60) { i in i < 40 ? (i % 3 == 0 ? 55 : 36) : (i % 3 == 2 ? 36 : 55) }
        #expect(FlatnessCheck(absolute: 2, relative: 0).judge(bursty)?.isFlat == false)
        #expect(fds.judge(bursty)?.isFlat == true)
        // One fd more every 4 samples (a leak per stop/start cycle), bursts on top.
        let leaking = series(60) { i in Double(i / 4) + (i % 3 == 0 ? 36 : 55) }
        #expect(fds.judge(leaking)?.isFlat == false)
    }
}

import HostMetrics
import Testing

@Suite("Uptime parsers")
struct UptimeParserTests {
    @Test func hostUptimeIsTruncatedToWholeSeconds() {
        #expect(ProcParsers.uptimeSeconds("350735.47 234388.90\n") == 350_735)
        #expect(ProcParsers.uptimeSeconds("0.99 0.5") == 0)
    }

    @Test(arguments: ["", "abc def", "-5.0 1.0", "nan 1", "inf 1", "1e300 1"])
    func garbageUptimeIsNil(_ text: String) {
        #expect(ProcParsers.uptimeSeconds(text) == nil)
    }

    @Test func processStartTicksIsField22EvenWithParensInComm() {
        let stat = "1234 (my (odd) proc) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 12345678 300 18446744073709551615"
        #expect(ProcParsers.processStartTicks(stat: stat) == 987_654)
        #expect(ProcParsers.processStartTicks(stat: "1234 (x) S 1 2") == nil)
        #expect(ProcParsers.processStartTicks(stat: "garbage") == nil)
    }

    @Test func processUptimeIsPlausible() {
        let seconds = ProcessUptime.seconds()
        // This test process started moments ago; it is certainly younger than a day.
        #expect(seconds >= 0 && seconds < 86_400)
    }
}

import HostMetrics
import Testing

@Suite("ProcParsers.memory")
struct MemoryParserTests {
    static let modern = """
        MemTotal:       16318464 kB
        MemFree:         2000000 kB
        MemAvailable:    9000000 kB
        Buffers:          300000 kB
        Cached:          5000000 kB
        SwapCached:        10000 kB
        Active:          6000000 kB
        SReclaimable:     400000 kB
        SUnreclaim:       100000 kB
        HugePages_Total:       0
        Hugepagesize:       2048 kB
        """

    @Test func psutilUsedFromModernMeminfo() throws {
        let memory = try #require(ProcParsers.memory(meminfo: Self.modern))
        #expect(memory.total == 16_318_464 * 1024)
        // used = total − free − buffers − (cached + SReclaimable); SwapCached must not match "Cached".
        #expect(memory.used == (16_318_464 - 2_000_000 - 300_000 - 5_000_000 - 400_000) * 1024)
    }

    @Test func oldKernelWithoutMemAvailable() throws {
        let text = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 100 kB\nCached: 300 kB\n"
        let memory = try #require(ProcParsers.memory(meminfo: text))
        #expect(memory.total == 1_024_000)
        #expect(memory.used == 500 * 1024)
    }

    @Test func negativePsutilUsedFallsBackToTotalMinusFree() throws {
        // Container-distorted values: buffers + cached exceed total − free.
        let text = "MemTotal: 1000 kB\nMemFree: 400 kB\nBuffers: 300 kB\nCached: 500 kB\n"
        let memory = try #require(ProcParsers.memory(meminfo: text))
        #expect(memory.used == 600 * 1024)
    }

    @Test(arguments: ["", "garbage\n\n", "MemTotal: 1000 kB\n", "MemFree: 10 kB\n", "MemTotal: x kB\nMemFree: 1 kB"])
    func missingRequiredFieldsIsNil(_ text: String) {
        #expect(ProcParsers.memory(meminfo: text) == nil)
    }
}

import AgentCore
import AgentClock
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The start-up code trim (CResidentTrim through ``CodeTrim``) on this very process: the code
/// mappings' resident pages go, the process keeps running (what runs again faults back in), and
/// data is untouched.
@Suite struct CodeTrimTests {
    /// Rss of this process's `r-xp` file mappings, in KiB.
    private static func residentCode() -> Int {
        guard let f = fopen("/proc/self/smaps", "r") else { return 0 }
        defer { fclose(f) }
        var code = 0, inCode = false
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), f) != nil {
            let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, fields[0].contains("-"), !fields[0].hasSuffix(":") {
                inCode = fields[1] == "r-xp" && fields.count >= 6 && fields[5].hasPrefix("/")
            } else if line.hasPrefix("Rss:"), inCode, fields.count >= 2 {
                code += Int(fields[1]) ?? 0
            }
        }
        return code
    }

    @Test("a trim drops most resident code pages, keeps data, and the process runs on")
    func trimsCodeOnly() throws {
        var kept: [Int] = (0..<100_000).map { $0 &* 31 }  // data on the heap, written before the trim
        let before = Self.residentCode()
        let outcome = try CodeTrim.trimNow().get()
        let after = Self.residentCode()
        #expect(outcome.mappings > 0)
        #expect(outcome.residentBytes / 1024 >= before / 2, "the trim saw the code that was resident")
        #expect(after < before / 2, "resident code \(before) KiB → \(after) KiB")
        // Data untouched: the values written before are still there (the code advice touches
        // file-backed code only; the heap trim returns free pages only).
        #expect(kept.enumerated().allSatisfy { $0.element == $0.offset &* 31 })
        kept.append(1)
        #expect(kept.count == 100_001)
    }

    @Test("the daemon's service trims after its delay, then every period, on the injected clock, reporting each")
    func serviceFollowsTheClock() async throws {
        let clock = ManualClock()
        let calls = Mutex(0)
        let reported = Mutex<[CodeTrim.Outcome]>([])
        let trim = CodeTrim(
            delay: .seconds(30), period: .seconds(60), clock: clock, logger: Logger(label: "test"),
            emit: { outcome in reported.withLock { $0.append(outcome) } },
            trim: {
                let n = calls.withLock { $0 += 1; return $0 }
                return .success(CodeTrim.Outcome(mappings: n, residentBytes: 4096))
            })
        let run = Task { try await trim.run() }
        #expect(await clock.waitForSleepers(count: 1))
        clock.advance(by: .seconds(29))
        #expect(await clock.waitForSleepers(count: 1), "still waiting after 29 s")
        #expect(calls.withLock { $0 } == 0)
        clock.advance(by: .seconds(1))
        #expect(await clock.waitForSleepers(count: 1), "waiting for the next period")
        #expect(calls.withLock { $0 } == 1)
        clock.advance(by: .seconds(59))
        #expect(await clock.waitForSleepers(count: 1))
        #expect(calls.withLock { $0 } == 1)
        clock.advance(by: .seconds(1))
        #expect(await clock.waitForSleepers(count: 1))
        #expect(calls.withLock { $0 } == 2)
        #expect(reported.withLock { $0.map(\.mappings) } == [1, 2])
        run.cancel()
        _ = try? await run.value  // harmless: a cancelled run ends without an error worth reading
    }

    @Test("a trim that cannot read /proc/self/smaps ends the service: no retry loop")
    func failureEndsTheService() async throws {
        let clock = ManualClock()
        let trim = CodeTrim(
            delay: .seconds(1), clock: clock, logger: Logger(label: "test"), trim: { .failure(AgentCoreError(.trimUnavailable, "no /proc")) })
        let run = Task { try await trim.run() }
        #expect(await clock.waitForSleepers(count: 1))
        clock.advance(by: .seconds(1))
        try await run.value  // returns by itself
        #expect(clock.sleeperDeadlines.isEmpty)
    }
}

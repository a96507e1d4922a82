import Foundation
import Testing

/// No fixed sleeps in tests. A test that needs another process to do something waits on the
/// observable effect with a deadline (`eventually`, a log line, an event); a test about time
/// advances a `ManualClock` (docs/development.md, "Time in tests"). Every real-time sleep call
/// left in `Tests/` carries `sleep-audit: <kind>` on its line or the line before, where kind is
///
/// - `poll`: the interval of a loop that waits for an effect with a deadline;
/// - `input`: the delay is what the test injects (a kill point, a slow peer, a traffic pace);
/// - `bound`: a real-time bound that only turns a hang into a failure.
///
/// Nor does a test assert how long something took in real time (a busy machine decides that): it
/// asserts the effect, or the time on a test clock. A lower bound on a deadline (`took >= 300 ms`:
/// a timeout never fires early) is the one real-time comparison left, never in an `#expect` that
/// reads a clock itself.
@Suite("Sleep audit")
struct SleepAuditTests {
    /// Real-time sleeps (a `ManualClock`'s `clock.sleep(…)` is not one).
    static let sleepCall = #"(Task\.sleep\(|usleep\(|Thread\.sleep\(|ContinuousClock\(\)\.sleep\(|(?<![A-Za-z0-9_.])sleep\()"#
    static let kinds = ["poll", "input", "bound"]

    /// `(path:line: text, kind or nil)` of every real-time sleep call in `Tests/`.
    static func sleeps(root: String = BuildProducts.packageRoot) throws -> [(site: String, kind: String?)] {
        guard let walker = FileManager.default.enumerator(atPath: root + "/Tests") else { throw LabError("cannot list \(root)/Tests") }
        var out: [(String, String?)] = []
        while let entry = walker.nextObject() as? String {
            guard entry.hasSuffix(".swift"), !entry.hasSuffix("SleepAuditTests.swift") else { continue }
            let lines = try String(contentsOfFile: root + "/Tests/" + entry, encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let code = line.drop { $0 == " " }
                guard !code.hasPrefix("//"), !code.hasPrefix("///"), line.range(of: sleepCall, options: .regularExpression) != nil
                else { continue }
                let context = (i > 0 ? String(lines[i - 1]) : "") + "\n" + line
                let kind = kinds.first { context.contains("sleep-audit: \($0)") }
                out.append(("Tests/\(entry):\(i + 1): \(code)", kind))
            }
        }
        return out
    }

    @Test("every real-time sleep in Tests/ is a poll interval, an injected delay or a bound")
    func noFixedSleeps() throws {
        let all = try Self.sleeps()
        let unexplained = all.filter { $0.kind == nil }.map(\.site).sorted()
        #expect(
            unexplained.isEmpty,
            """
            \(unexplained.count) sleep(s) in tests without a sleep-audit kind: wait on the observable effect \
            (eventually, a log line, an event) or advance a ManualClock instead:
            \(unexplained.joined(separator: "\\n"))
            """)
        #expect(!all.isEmpty, "the scan found no sleep at all: is it reading Tests/?")
    }

    /// An `#expect` that reads a real clock: a wall-clock duration asserted.
    static let clockInExpect = #"#expect\(.*(ContinuousClock\.now|Date\(\)\.timeIntervalSince|DispatchTime\.now\(\)|systemUptime)"#

    @Test("no test asserts a wall-clock duration")
    func noTimedAssertions() throws {
        guard let walker = FileManager.default.enumerator(atPath: BuildProducts.packageRoot + "/Tests") else {
            throw LabError("cannot list Tests")
        }
        var timed: [String] = []
        while let entry = walker.nextObject() as? String {
            guard entry.hasSuffix(".swift"), !entry.hasSuffix("SleepAuditTests.swift") else { continue }
            let lines = try String(contentsOfFile: BuildProducts.packageRoot + "/Tests/" + entry, encoding: .utf8).split(separator: "\n")
            for (i, line) in lines.enumerated() where line.range(of: Self.clockInExpect, options: .regularExpression) != nil {
                timed.append("Tests/\(entry):\(i + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(timed.isEmpty, "assert the effect or the time on a test clock instead:\n\(timed.joined(separator: "\n"))")
    }
}

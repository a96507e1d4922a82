import AgentClock
@testable import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// The hash-chained audit trail: written for every command of a real agent, verified, and every
/// kind of tampering found.
@Suite("Audit trail", .labThreads)
struct AuditTrailTests {
    let lab: PluginLab
    let config: String

    init() throws {
        lab = try PluginLab()
        let greeter = try lab.install("agent-example-swift")
        config = try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: greeter)])
    }

    var dir: String { lab.stateDir + "/audit" }

    /// Sends `n` commands (success, error, not JSON) through an audited agent.
    func record(_ n: Int) async throws {
        let agent = try lab.agent(configPath: config)
        _ = try OperatorServices(agent: agent, openDoor: false)
        for i in 0..<n {
            switch i % 3 {
            case 0: _ = await agent.send("example_hello", #"{"name":"n\#(i)","correlation_id":\#(i)}"#)
            case 1: _ = await agent.send("no_such_topic", "{}")
            default: _ = await agent.send("example_hello", "not json")
            }
        }
        await agent.shutdown()
    }

    func lines() throws -> [String] {
        try String(contentsOfFile: dir + "/audit.log", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func write(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/audit.log", atomically: false, encoding: .utf8)
    }

    @Test func everyCommandIsRecordedWithWhoWhatAndResultAndTheChainVerifies() async throws {
        try await record(6)
        let report = AuditVerifier.verify(directory: dir)
        #expect(report.ok && report.entries == 6 && report.firstSeq == 1 && report.lastSeq == 6 && !report.anchored)
        let entries = AuditTrail.tail(directory: dir, count: 10)
        #expect(entries.count == 6)
        #expect(entries[0]["who"]?.stringValue == "cli:uid=\(getuid())")
        #expect(entries[0]["topic"]?.stringValue == "example_hello" && entries[0]["result"]?.stringValue == "success")
        #expect(entries[0]["correlation_id"] == .number(0) && entries[0]["payload"]?.objectValue?["name"] == "n0")
        #expect(entries[1]["result"]?.stringValue == "unknown_topic" && entries[1]["status"]?.stringValue == "error")
        #expect(entries[2]["result"]?.stringValue == "invalid_json" && entries[2]["payload"] == .null)
        // A second process continues the chain.
        try await record(2)
        let again = AuditVerifier.verify(directory: dir)
        #expect(again.ok && again.entries == 8 && again.lastSeq == 8)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/audit.log")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func anEditedLineIsFound() async throws {
        try await record(4)
        var l = try lines()
        l[1] = l[1].replacingOccurrences(of: "unknown_topic", with: "success")
        try write(l)
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.failure?.line == 2 && r.failure?.reason == .hashMismatch && r.entries == 1)
    }

    @Test func aRemovedLineIsFound() async throws {
        try await record(4)
        var l = try lines()
        l.remove(at: 1)
        try write(l)
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.failure?.line == 2)
        if case .brokenChain = r.failure?.reason {} else { Issue.record("expected brokenChain, got \(String(describing: r.failure))") }
    }

    @Test func aCutTailIsFoundThroughTheHead() async throws {
        try await record(4)
        try write(Array(try lines().dropLast()))
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.failure?.file == "head")
        if case .headMismatch = r.failure?.reason {} else { Issue.record("expected headMismatch, got \(String(describing: r.failure))") }
    }

    /// The head is rewritten in place with fixed-width records (no temporary file renamed over
    /// it); a head of the earlier variable-width format is read and then overwritten exactly; an
    /// unreadable (torn) head reads as none, and the chain resumes from the log's last line.
    @Test func theHeadIsRewrittenInPlaceAndOlderOrTornHeadsAreHandled() throws {
        let rec = CommandRecord(
            origin: .local(uid: 0, pid: 1), topic: "example_hello", message: ["name": "h"], response: ["status": "success"],
            seconds: 0.001)
        let log = try AuditLog(directory: dir)
        for _ in 0..<3 { #expect(log.append(rec) != nil) }
        let head = try String(contentsOfFile: dir + "/head", encoding: .utf8)
        #expect(head.utf8.count == 107 && head.hasPrefix("00000000000000000003 ") && head.hasSuffix(" 00000000000000000001\n"), "\(head)")
        let inode = try FileManager.default.attributesOfItem(atPath: dir + "/head")[.systemFileNumber] as? Int
        #expect(log.append(rec) != nil)
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/head")[.systemFileNumber] as? Int == inode, "same file, not replaced")
        #expect(!FileManager.default.fileExists(atPath: dir + "/head.tmp"))

        // The earlier format: "<seq> <hash> <first>\n", shorter.
        let parts = try String(contentsOfFile: dir + "/head", encoding: .utf8).split(separator: " ")
        let hash4 = String(parts[1])
        try "4 \(hash4) 1\n".write(toFile: dir + "/head", atomically: false, encoding: .utf8)
        #expect(AuditVerifier.verify(directory: dir).ok)
        #expect(log.append(rec) != nil)
        let five = try String(contentsOfFile: dir + "/head", encoding: .utf8)
        #expect(five.utf8.count == 107 && five.hasPrefix("00000000000000000005 "), "\(five)")
        #expect(AuditVerifier.verify(directory: dir).ok)

        // Torn: half a record. Appends go on from the log's last line; the next head is whole.
        try String(five.prefix(50)).write(toFile: dir + "/head", atomically: false, encoding: .utf8)
        #expect(log.append(rec) != nil)
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.ok && r.lastSeq == 6, "\(r)")
    }

    @Test func aRecomputedForgeryStillBreaksTheChainOfTheNextLine() async throws {
        // (sha256sum runs on a thread of its own, off the cooperative pool.)
        // Someone rewrites line 2 and recomputes its own hash correctly: line 3's prev no longer matches.
        try await record(4)
        var l = try lines()
        let forged = l[1].replacingOccurrences(of: "unknown_topic", with: "success")
        let body = forged[forged.index(forged.startIndex, offsetBy: 157)..<forged.index(before: forged.endIndex)]
        let prev = String(forged.dropFirst(9 + 64 + 10).prefix(64))
        let text = prev + body
        let hash = try await DockerLab.blocking { sha256Hex(text) }
        l[1] = #"{"hash":""# + hash + #"","prev":""# + prev + #"","entry":"# + body + "}"
        try write(l)
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.failure?.line == 3)
    }

    @Test func rotationKeepsTheChainAcrossFilesAndAnchorsWhenOldFilesGo() throws {
        let log = try AuditLog(directory: dir, maxBytes: 4096, maxFiles: 2)
        let rec = CommandRecord(
            origin: .local(uid: 0, pid: 1), topic: "example_hello", message: ["name": .string(String(repeating: "x", count: 500))],
            response: ["status": "success"], seconds: 0.001)
        for _ in 0..<40 { #expect(log.append(rec) != nil) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("audit-") }
        #expect(files.count == 2)
        let r = AuditVerifier.verify(directory: dir)
        #expect(r.ok && r.lastSeq == 40 && r.anchored && r.firstSeq > 1, "\(r)")
    }

    /// With a sync window (group commit, the daemon's default), every line is in the file when
    /// its append returns (a process crash loses none), rotation keeps the chain, and it verifies.
    @Test func aSyncWindowStillWritesEachLineBeforeTheAppendReturns() throws {
        let log = try AuditLog(directory: dir, maxBytes: 4096, maxFiles: 3, syncWindow: .milliseconds(20))
        let rec = CommandRecord(
            origin: .local(uid: 0, pid: 1), topic: "example_hello", message: ["name": .string(String(repeating: "y", count: 300))],
            response: ["status": "success"], seconds: 0.001)
        for n in 1...20 {
            #expect(log.append(rec) != nil)
            let r = AuditVerifier.verify(directory: dir)
            #expect(r.ok && r.lastSeq == UInt64(n), "after append \(n): \(r)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("audit-") }
        #expect(!files.isEmpty, "rotated at 4 KiB")
    }

    /// The group commit runs on the injected clock: nothing is synced until the window has passed,
    /// then one sync covers every line written in it, and the next line schedules the next one.
    @Test func theSyncWindowCommitsOnceperWindowOnTheClock() async throws {
        let clock = ManualClock()
        let log = try AuditLog(directory: dir, syncWindow: .milliseconds(500), clock: clock)
        let rec = CommandRecord(origin: .local(uid: 0, pid: 1), topic: "t", message: nil, response: ["status": "success"], seconds: 0)
        for _ in 1...5 { #expect(log.append(rec) != nil) }
        let due = clock.now + .milliseconds(500)
        #expect(await clock.waitForSleepers { $0.contains(due) })
        clock.advance(by: .milliseconds(499))
        #expect(log.groupCommits == 0)
        clock.advance(by: .milliseconds(1))
        let first = clock.now
        #expect(await clock.waitForSleepers { !$0.contains(first) }, "the commit ran and the timer sleeps again")
        #expect(await eventually { log.groupCommits == 1 })
        #expect(log.append(rec) != nil)
        let next = clock.now + .milliseconds(500)
        #expect(await clock.waitForSleepers { $0.contains(next) }, "a line after the commit schedules the next one")
        clock.advance(by: .milliseconds(500))
        #expect(await eventually { log.groupCommits == 2 })
    }

    /// Without a window, a command that changes something is synced before its append returns;
    /// a read-only command's line waits for the next group (50 ms on the clock).
    @Test func readOnlyLinesAreSyncedInTheNextGroup() async throws {
        let clock = ManualClock()
        let log = try AuditLog(directory: dir, syncWindow: .zero, clock: clock)
        let change = CommandRecord(origin: .local(uid: 0, pid: 1), topic: "delete_device", message: nil, response: ["status": "success"], seconds: 0)
        let query = CommandRecord(
            origin: .local(uid: 0, pid: 1), topic: "get_device_status", message: nil, response: ["status": "success"], seconds: 0, readOnly: true)
        #expect(log.append(change) != nil)
        #expect(log.immediateSyncs == 1 && log.groupCommits == 0)
        for _ in 1...3 { #expect(log.append(query) != nil) }
        #expect(log.immediateSyncs == 1, "a read-only line was synced before its answer")
        let due = clock.now + .milliseconds(50)
        #expect(await clock.waitForSleepers { $0.contains(due) }, "the first read-only line schedules one group sync")
        clock.advance(by: .milliseconds(50))
        #expect(await eventually { log.groupCommits == 1 })
        #expect(log.append(change) != nil)
        #expect(log.immediateSyncs == 2)
        #expect(AuditVerifier.verify(directory: dir).ok)
    }

    @Test("audit.sync_window_ms is read and bounded", arguments: [(JSONValue.number(0), 0), (5, 5), (-1, nil), (1001, nil), ("20", nil)] as [(JSONValue, Int?)])
    func syncWindowSetting(value: JSONValue, expected: Int?) throws {
        let config = try SiteConfig.parse(.object(["state_dir": .string(dir), "audit": ["sync_window_ms": value]]), baseDirectory: dir)
        let parsed = try? OperatorSettings.parse(config)
        #expect(parsed?.auditSyncWindowMs == expected)
        if expected == nil {
            #expect(throws: AgentCoreError.self) { try OperatorSettings.parse(config) }
        }
    }

    @Test func theCLIVerifiesAndFails() async throws {
        try await record(3)
        let (agent, config, dir) = (BuildProducts.executable("orchestrator-agent"), config, dir)
        let ok = try await DockerLab.blocking { try run(agent, ["audit", "verify", "--config", config]) }
        #expect(ok.code == 0 && ok.stdout.hasPrefix("OK 3 entries"), "\(ok.output)")
        let show = try await DockerLab.blocking { try run(agent, ["audit", "show", "--dir", dir, "--tail", "1"]) }
        #expect(show.stdout.contains("invalid_json"), "\(show.output)")
        var l = try lines()
        l[0] = l[0].replacingOccurrences(of: "n0", with: "n9")
        try write(l)
        let bad = try await DockerLab.blocking { try run(agent, ["audit", "verify", "--dir", dir]) }
        #expect(bad.code == 1 && bad.stdout.contains("line 1"), "\(bad.output)")
    }
}

func sha256Hex(_ s: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let inPipe = Pipe()
    let out = Pipe()
    p.standardInput = inPipe
    p.standardOutput = out
    try? p.run()
    inPipe.fileHandleForWriting.write(Data(s.utf8))
    try? inPipe.fileHandleForWriting.close()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    _ = waitExit(p)
    return String(text.prefix(64))
}

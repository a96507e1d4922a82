import AgentJSON
import AgentStore
import Foundation
import LabSupport
import Testing

/// SIGKILLs `store-crash-writer` at random moments and checks the store is never torn.
@Suite(.labThreads) struct StoreCrashTests {
    static let rounds = 30

    /// The writer binary: `$AGENT_BUILD_DIR/store-crash-writer`; else the one next to this test
    /// binary (the build that is running); else `<package root>/.build/debug/store-crash-writer`.
    static func writerPath() -> String {
        let name = "store-crash-writer"
        if let dir = ProcessInfo.processInfo.environment["AGENT_BUILD_DIR"], !dir.isEmpty {
            return dir + "/" + name
        }
        let ownDir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidate = ownDir
        for _ in 0..<3 {  // the test binary may sit inside an .xctest bundle
            let path = candidate.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
            candidate = candidate.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/\(name)").path
    }

    /// Waits for the SIGKILLed writer with `waitpid`: Foundation's `waitUntilExit()` can miss the
    /// exit under Swift Testing (a thread with SIGCHLD blocked), and then blocks a thread of the
    /// concurrency pool forever (seen in a one-pass run). True when it died of SIGKILL.
    static func reapKilled(_ p: Process) -> Bool {
        var status: Int32 = 0
        let r = waitpid(p.processIdentifier, &status, 0)
        if r == p.processIdentifier { return status & 0x7f == SIGKILL }
        // ECHILD: Foundation reaped it first and learns the status from that.
        _ = eventuallySync(timeout: .seconds(10)) { !p.isRunning }
        return p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
    }

    /// The stored n, after checking a == b and that the blob embeds the same n at both ends.
    static func verifiedN(_ dir: String) throws -> Int {
        let store = try DurableStore(directory: dir)
        let a = try store.get("crash", "a")
        let b = try store.get("crash", "b")
        #expect(a == b, "a and b differ after a crash: torn batch")
        guard let n = a?.numberValue.map(Int.init) else {
            let blob = try store.get("crash", "blob")
            #expect(b == nil && blob == nil, "partial batch: a is missing")
            return 0
        }
        let blob = try store.get("crash", "blob")?.stringValue ?? ""
        #expect(blob.hasPrefix("n=\(n);") && blob.hasSuffix(";n=\(n)"), "blob does not match n=\(n)")
        #expect(blob.utf8.count >= 4000)
        return n
    }

    @Test func killNineNeverTearsTheStore() async throws {
        let writer = Self.writerPath()
        try #require(
            FileManager.default.isExecutableFile(atPath: writer),
            "store-crash-writer not found at \(writer): build it (swift build --product store-crash-writer) or set AGENT_BUILD_DIR")
        let dir = TempDir()
        var last = 0
        for round in 1...Self.rounds {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = [dir.path]
            process.standardOutput = FileHandle.nullDevice
            let stderr = Pipe()
            process.standardError = stderr
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...200)))  // sleep-audit: input (the pace or the point of an injected fault)
            kill(process.processIdentifier, SIGKILL)
            let killed = Self.reapKilled(process)
            let diagnostics = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(killed, "round \(round): writer exited on its own: \(diagnostics)")

            let n = try Self.verifiedN(dir.path)
            #expect(n >= last, "round \(round): n went back from \(last) to \(n)")
            last = n
        }
        #expect(last > 0, "the writer never completed a batch in \(Self.rounds) rounds")
        #expect(directoryNames(dir.path) == ["crash.json"], "stale temp files were not cleaned up")
    }
}

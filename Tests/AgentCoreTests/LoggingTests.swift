@testable import AgentCore
import AgentJSON
import Foundation
import Logging
import Testing

/// A private state folder for one logging test, removed on deinit.
final class LogFolder: @unchecked Sendable {
    let root = "/tmp/agent-log-tests-\(UUID().uuidString)"
    var logs: String { DaemonLog.directory(stateDirectory: root) }
    var live: String { logs + "/agent.log" }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func open(_ settings: LogSettings) -> DaemonLog { DaemonLog.open(settings: settings, stateDirectory: root, stdout: false) }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func names() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: logs)) }
}

func logSettings(_ format: LogFormat = .plain, maxBytes: Int = LogSettings.defaultMaxBytes, maxFiles: Int = 5) -> LogSettings {
    var s = LogSettings()
    s.format = format
    s.maxBytes = maxBytes
    s.maxFiles = maxFiles
    return s
}

@Suite("Logging: files, rotation, formats")
struct LoggingTests {
    @Test("rotation keeps max_files rotated files, each within max_bytes, the newest lines in agent.log")
    func rotation() throws {
        let folder = LogFolder()
        let log = folder.open(logSettings(maxBytes: 4096, maxFiles: 3))
        for i in 0..<400 { log.logger.info("record \(i) \(String(repeating: "x", count: 60))") }
        log.sink.close()
        #expect(try folder.names() == [".lock", "agent.log", "agent.log.1", "agent.log.2", "agent.log.3"])
        var numbers: [Int] = []
        for name in ["agent.log.3", "agent.log.2", "agent.log.1", "agent.log"] {
            let path = folder.logs + "/" + name
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(size > 0 && size <= 4096, "\(name) is \(size) bytes")
            numbers += try folder.lines(path).compactMap { line in
                line.split(separator: " ").drop { $0 != "record" }.dropFirst().first.flatMap { Int($0) }
            }
        }
        // Oldest to newest without a gap or a split record, ending with the last one written.
        #expect(numbers.last == 399)
        #expect(numbers == Array((numbers.first ?? 0)...399))
        #expect(log.sink.writeErrors == 0)
    }

    @Test("a restart appends to agent.log (never truncates); folder 0750, file 0640")
    func restartAppends() throws {
        let folder = LogFolder()
        let first = folder.open(logSettings())
        first.logger.info("first run")
        first.sink.close()
        let second = folder.open(logSettings())
        second.logger.info("second run")
        second.sink.close()
        let lines = try folder.lines(folder.live)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix("first run") == true)
        #expect(lines.last?.hasSuffix("second run") == true)
        let fm = FileManager.default
        #expect(try fm.attributesOfItem(atPath: folder.logs)[.posixPermissions] as? Int == 0o750)
        #expect(try fm.attributesOfItem(atPath: folder.live)[.posixPermissions] as? Int == 0o640)
    }

    @Test("logging.directory puts agent.log elsewhere (systemd's LogsDirectory); it must be an absolute path")
    func directory() throws {
        let folder = LogFolder()
        var settings = try LogSettings.parse(["logging": ["directory": .string(folder.root + "/var-log")]])
        #expect(settings.directory == folder.root + "/var-log")
        settings.maxBytes = LogSettings.defaultMaxBytes
        let log = folder.open(settings)
        log.logger.info("to the logs directory")
        log.sink.close()
        #expect(try folder.lines(folder.root + "/var-log/agent.log").last?.hasSuffix("to the logs directory") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.logs), "nothing under <state_dir>/logs")
        #expect(throws: AgentCoreError.self) { _ = try LogSettings.parse(["logging": ["directory": "logs"]]) }
    }

    @Test("plain: one line per record, no ESC byte, time level [plugin] message key=value")
    func plain() throws {
        let folder = LogFolder()
        let log = folder.open(logSettings(.plain))
        var plugin = log.logger
        plugin[metadataKey: "plugin"] = "com.example.greeter-swift"
        plugin.warning("\u{1B}[31mred\u{1B}[0m\nforged line", metadata: ["path": "/a b", "code": "x\u{1B}y", "n": "3"])
        log.logger.info("core line")
        log.sink.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.live))
        #expect(!bytes.contains(0x1B))
        let lines = try folder.lines(folder.live)
        try #require(lines.count == 2)
        let stamp = try #require(lines[0].split(separator: " ").first)
        #expect(stamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        #expect(
            lines[0].dropFirst(stamp.count)
                == #" warning  [com.example.greeter-swift] \u001b[31mred\u001b[0m\nforged line code=x\u001by n=3 path="/a b""#)
        #expect(lines[1].hasSuffix(" info     core line"))
    }

    @Test("json: every line is one object with time, level, label, plugin?, message, metadata; the host's plugin id wins")
    func json() throws {
        let folder = LogFolder()
        let log = folder.open(logSettings(.json))
        var plugin = log.logger
        plugin[metadataKey: "plugin"] = "com.example.counter-c"
        plugin.error("two\nlines \u{1B}[1m", metadata: ["nested": ["a": "1"], "list": ["x", "y"], "plugin": "io.autonomy.spoof"])
        log.logger.notice("core", metadata: ["k": "v"])
        log.sink.close()
        #expect(!(try Data(contentsOf: URL(fileURLWithPath: folder.live))).contains(0x1B))
        let objects = try folder.lines(folder.live).map { try #require(try JSONParser.parse(Array($0.utf8)).objectValue) }
        try #require(objects.count == 2)
        #expect(objects[0].keys == ["time", "level", "label", "plugin", "message", "metadata"])
        #expect(objects[0]["plugin"] == "com.example.counter-c")
        #expect(objects[0]["level"] == "error")
        #expect(objects[0]["label"] == "orchestrator-agent")
        #expect(objects[0]["message"] == "two\nlines \u{1B}[1m")
        #expect(objects[0]["metadata"] == ["list": ["x", "y"], "nested": ["a": "1"]])
        #expect(objects[1].keys == ["time", "level", "label", "message", "metadata"])
        #expect(objects[1]["metadata"] == ["k": "v"])
    }

    @Test("a second process on the same folder, or a folder that cannot be made, leaves stdout only")
    func fileUnavailable() throws {
        let folder = LogFolder()
        let first = folder.open(logSettings())
        #expect(first.fileProblem == nil)
        let second = folder.open(logSettings())
        #expect(second.fileProblem?.contains("another agent process") == true)
        #expect(second.sink.filePath == nil)
        first.sink.close()

        try FileManager.default.createDirectory(atPath: folder.root, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder.root + "/plain-file", contents: Data()))
        let blocked = DaemonLog.open(settings: logSettings(), stateDirectory: folder.root + "/plain-file/state", stdout: false)
        #expect(blocked.fileProblem == "'\(folder.root)/plain-file' exists and is not a folder")
        #expect(blocked.sink.filePath == nil)
        blocked.logger.info("goes nowhere, and nothing traps")
    }

    /// (Not timed: a sink that blocked would hang here and the run would fail on its deadline.)
    @Test("a stdout that cannot take data counts errors and drops lines instead of blocking")
    func stalledStream() async throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let sink = LogSink(stream: fds[1], file: nil)
        let line = Array(String(repeating: "y", count: 1023).utf8) + [10]
        await onThread { for _ in 0..<200 { sink.write(line) } }  // 200 KiB into a 64 KiB pipe nobody reads
        #expect(sink.writeErrors > 100)
    }
}

/// Runs blocking work on a thread of its own (never on the Swift concurrency pool).
func onThread(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        Thread {
            work()
            done.resume()
        }.start()
    }
}

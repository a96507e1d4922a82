import AgentClock
import AgentCore
import AgentJSON
import Foundation
import Logging
import Testing

/// Where the built products (.so plugins, executables) live: `AGENT_BUILD_DIR`, else the folder
/// of the running test binary, else `<package>/.build/debug`.
enum BuildProducts {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let directory: String = {
        if let env = ProcessInfo.processInfo.environment["AGENT_BUILD_DIR"], !env.isEmpty { return env }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            // Inside an .xctest bundle the binary may sit one level deeper.
            if dir.path.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("libagent-example-swift.so").path) {
                return dir.path
            }
        }
        return packageRoot + "/.build/debug"
    }()

    /// Path of a built library product, e.g. `library("agent-example-swift")`.
    static func library(_ product: String) -> String { directory + "/lib\(product).so" }

    /// Path of a built executable.
    static func executable(_ name: String) -> String { directory + "/" + name }
}

/// A private plugin folder (mode 0755 under /tmp) with helpers to install plugins, write site
/// configs and build agents. Removed on deinit.
final class PluginLab: @unchecked Sendable {
    let root: String
    let pluginDir: String
    let stateDir: String

    init() throws {
        root = "/tmp/agent-core-tests-\(UUID().uuidString)"
        pluginDir = root + "/plugins"
        stateDir = root + "/state"
        let fm = FileManager.default
        try fm.createDirectory(atPath: pluginDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Copies a built library product into the lab (mode 0755) and returns its path.
    @discardableResult
    func install(_ product: String, as name: String? = nil, in folder: String? = nil) throws -> String {
        let source = BuildProducts.library(product)
        guard FileManager.default.fileExists(atPath: source) else {
            throw LabError("built plugin missing: \(source) — run `swift build` first")
        }
        let dest = (folder ?? pluginDir) + "/" + (name ?? "lib\(product).so")
        try? FileManager.default.removeItem(atPath: dest)
        try FileManager.default.copyItem(atPath: source, toPath: dest)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dest)
        return dest
    }

    /// Copies any plugin file into the lab (mode 0755) and returns its path.
    func installFile(_ source: String) throws -> String {
        let dest = pluginDir + "/" + (source as NSString).lastPathComponent
        try? FileManager.default.removeItem(atPath: dest)
        try FileManager.default.copyItem(atPath: source, toPath: dest)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dest)
        return dest
    }

    /// Builds the pure-C example plugin with the system C compiler into the lab.
    func installCPlugin() throws -> String {
        let dest = pluginDir + "/libagent-example-c.so"
        let status = try run(BuildProducts.packageRoot + "/Plugins/Examples/CCounter/build.sh", [dest])
        guard status.code == 0 else { throw LabError("C plugin build failed: \(status.output)") }
        return dest
    }

    /// A `plugins.load` entry pinned to the file's current hash (or to `sha256`).
    func entry(id: String, path: String, sha256: String? = nil, config: JSONObject = [:]) throws -> JSONValue {
        let sha = try sha256 ?? PluginInspector.sha256(path: path)
        return ["id": .string(id), "path": .string(path), "sha256": .string(sha), "config": .object(config)]
    }

    /// Writes a site config file and returns its path.
    @discardableResult
    func writeConfig(
        _ entries: [JSONValue], deny: [String] = [], topics: JSONObject = [:], features: JSONObject = [:],
        extra: JSONObject = [:], name: String = "site.json"
    ) throws -> String {
        var doc: JSONObject = [
            "state_dir": .string(stateDir),
            "plugins": ["load": .array(entries), "deny": .array(deny.map { .string($0) })],
            "topics": .object(topics),
            "features": .object(features),
        ]
        for (k, v) in extra.entries { doc[k] = v }
        let path = root + "/" + name
        try Data(JSONWriter.bytes(.object(doc))).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Builds an agent from a config file written by ``writeConfig``.
    func agent(configPath: String, clock: any AgentClock = SystemClock()) throws -> Agent {
        var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return try Agent(configPath: configPath, logger: logger, clock: clock)
    }
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs a program to completion; returns its exit code and combined output.
@discardableResult
func run(_ program: String, _ args: [String], stdin: String? = nil) throws -> (code: Int32, output: String, stdout: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = args
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let inPipe = Pipe()
    p.standardInput = inPipe
    try p.run()
    if let stdin { inPipe.fileHandleForWriting.write(Data(stdin.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    let code = waitExit(p)
    let so = String(decoding: o, as: UTF8.self)
    return (code, so + String(decoding: e, as: UTF8.self), so)
}

extension PluginRecord.State {
    /// The refusal/failure code, or "loaded".
    var code: String {
        switch self {
        case .loaded: return "loaded"
        case .refused(let r): return "refused:\(r.code.rawValue)"
        case .failed(let r): return "failed:\(r.code.rawValue)"
        }
    }
}

extension Agent {
    /// Dispatches a JSON text message.
    func send(_ topic: String, _ json: String) async -> JSONObject {
        await dispatcher.dispatch(topic: topic, payload: Array(json.utf8))
    }
}

/// Stops a child: SIGTERM, up to `grace` seconds to exit, then SIGKILL. Never hangs.
///
/// Exit is detected with `waitpid` here, not with `Process.isRunning`/`waitUntilExit()`: under
/// Swift Testing a thread may have SIGCHLD blocked and Foundation then never learns that the child
/// exited (seen: a test hung for good in `waitUntilExit` after the agent had exited).
func terminate(_ p: Process, grace: Double = 5) {
    let pid = p.processIdentifier
    guard pid > 0, !childGone(p) else { return }
    kill(pid, SIGCONT)
    kill(pid, SIGTERM)
    let deadline = Date().addingTimeInterval(grace)
    while !childGone(p), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }  // sleep-audit: poll (the interval of a wait with a deadline)
    guard !childGone(p) else { return }
    kill(pid, SIGKILL)
    let hard = Date().addingTimeInterval(10)
    while !childGone(p), Date() < hard { Thread.sleep(forTimeInterval: 0.02) }  // sleep-audit: poll (the interval of a wait with a deadline)
}

/// Waits (at most `seconds`) for the child to exit and answers its exit code (128 + signal when
/// killed; -1 when it did not exit in time). Uses `waitpid`, see ``terminate(_:grace:)``.
func waitExit(_ p: Process, seconds: Double = 120) -> Int32 {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        var status: Int32 = 0
        let r = waitpid(p.processIdentifier, &status, WNOHANG)
        if r == p.processIdentifier {
            return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        if r == -1 && errno == ECHILD {  // Foundation reaped it: it knows the status
            while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }  // sleep-audit: poll (the interval of a wait with a deadline)
            return p.isRunning ? -1 : p.terminationStatus
        }
        Thread.sleep(forTimeInterval: 0.005)  // sleep-audit: poll (the interval of a wait with a deadline)
    }
    return -1
}

/// Whether the child has exited (reaping it if nobody did yet).
func childGone(_ p: Process) -> Bool {
    var status: Int32 = 0
    let r = waitpid(p.processIdentifier, &status, WNOHANG)
    if r == p.processIdentifier || (r == -1 && errno == ECHILD) { return true }
    return !p.isRunning
}

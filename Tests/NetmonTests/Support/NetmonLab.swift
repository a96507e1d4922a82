import AgentJSON
import Foundation
import LabSupport
import Testing

/// Where the sidecar binary is: `$AGENT_BUILD_DIR/autonomy-netmon`, else next to the test
/// bundle, else the newest `<package>/.build*/debug/autonomy-netmon`.
enum NetmonBinary {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let path: String? = {
        let fm = FileManager.default
        if let dir = ProcessInfo.processInfo.environment["AGENT_BUILD_DIR"], !dir.isEmpty {
            return dir + "/autonomy-netmon"
        }
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            if dir.path.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
            let candidate = dir.appendingPathComponent("autonomy-netmon").path
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        let builds = ((try? fm.contentsOfDirectory(atPath: packageRoot)) ?? []).filter { $0.hasPrefix(".build") }
        let candidates = builds.map { "\(packageRoot)/\($0)/debug/autonomy-netmon" }.filter { fm.isExecutableFile(atPath: $0) }
        func mtime(_ p: String) -> Date { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        return candidates.max { mtime($0) < mtime($1) }
    }()
}

/// Whether the lab tests can run here: root, `ip`, network namespaces.
enum LabEnvironment {
    static let available: Bool = {
        guard geteuid() == 0 else { return false }
        return (try? CommandRunner.run(["ip", "netns", "list"], timeout: 10))?.succeeded ?? false
    }()
}

/// A network namespace made by a test (unique name), deleted on ``delete()`` / deinit.
final class Netns: @unchecked Sendable {
    private static let counter = Counter()
    let name: String
    private var deleted = false

    init(_ tag: String) throws {
        name = "nmt\(getpid() % 100000)-\(Netns.counter.next())-\(tag)"
        try CommandRunner.check(["ip", "netns", "add", name])
        do {
            try CommandRunner.check(["ip", "-n", name, "link", "set", "lo", "up"])
        } catch {
            delete()
            throw error
        }
    }

    /// Runs `ip -n <ns> args…` and fails on a non-zero exit.
    @discardableResult
    func ip(_ args: String...) throws -> String {
        try CommandRunner.check(["ip", "-n", name] + args)
    }

    /// Removes the namespace (links inside it go with it).
    func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? CommandRunner.run(["ip", "netns", "del", name], timeout: 30)
    }

    deinit { delete() }

    final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = NSLock()
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}

/// A private temporary directory (mode 0755, so other uids can reach a socket inside it).
final class TempDir: @unchecked Sendable {
    let path: String

    init(_ tag: String) throws {
        var template = Array("/tmp/netmon-\(tag).XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw DockerLabError("mkdtemp failed: errno \(errno)") }
        path = String(cString: p)
        chmod(path, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A sidecar running inside its own fresh network namespace, its socket in a temp dir on the
/// filesystem (reachable from the test's namespace), and the helpers the lab tests share.
final class SidecarLab: @unchecked Sendable {
    let netns: Netns
    let dir: TempDir
    let process: BackgroundProcess
    var socketPath: String { dir.path + "/netmon.sock" }
    var stateDir: String { dir.path + "/state" }

    /// Starts the sidecar (`--debounce-ms 100` unless `arguments` say otherwise). `prepare` runs
    /// against the namespace before the sidecar starts.
    init(_ tag: String, arguments: [String] = [], prepare: (Netns) throws -> Void = { _ in }) throws {
        guard let binary = NetmonBinary.path, FileManager.default.isExecutableFile(atPath: binary) else {
            throw DockerLabError(
                "autonomy-netmon not found (build it: swift build --scratch-path .build-netmon --product autonomy-netmon, or set AGENT_BUILD_DIR)")
        }
        netns = try Netns(tag)
        dir = try TempDir(tag)
        try prepare(netns)
        var args = ["--socket", dir.path + "/netmon.sock", "--state-dir", dir.path + "/state", "--log-level", "debug"]
        if !arguments.contains("--debounce-ms") { args += ["--debounce-ms", "100"] }
        process = try BackgroundProcess(
            ["ip", "netns", "exec", netns.name, binary] + args + arguments, log: dir.path + "/netmon.log")
        let socket = dir.path + "/netmon.sock"
        guard eventually(15, { FileManager.default.fileExists(atPath: socket) || !process.isRunning }), process.isRunning else {
            let log = process.log
            process.stop()
            netns.delete()
            throw DockerLabError("the sidecar did not start:\n\(log)")
        }
    }

    /// A connected client, with the greeting (network_discovery, device_discovery) already read.
    func connect(timeout: Double = 10) throws -> (LineClient, [JSONObject]) {
        // The sidecar renames its socket into place only once it listens; the retries only
        // cover a sidecar that is slow to reach its event loop.
        var client: LineClient?
        var lastError: (any Error)?
        for _ in 0..<50 where client == nil {
            do { client = try LineClient(path: socketPath) } catch {
                lastError = error
                usleep(100_000)  // sleep-audit: poll (the interval of a wait with a deadline)
            }
        }
        guard let c = client else { throw lastError ?? DockerLabError("cannot connect to \(socketPath)") }
        guard let discovery = c.next(timeout: timeout), let devices = c.next(timeout: timeout) else {
            throw DockerLabError("no greeting; read:\n\(c.seen)\nlog:\n\(process.log)")
        }
        return (c, [discovery, devices])
    }

    /// Stops the sidecar (SIGTERM) and deletes the namespace. Returns the sidecar's wait status.
    @discardableResult
    func shutdown() -> Int32? {
        let status = process.stop()
        netns.delete()
        return status
    }

    deinit { shutdown() }
}

extension JSONObject {
    /// `self[key]` as a string.
    func string(_ key: String) -> String? { self[key]?.stringValue }
    /// The IPv4 addresses of an InterfaceInfo.
    var addresses: [String] {
        (self["ipv4_addresses"]?.arrayValue ?? []).compactMap { $0.objectValue?["address"]?.stringValue }
    }
}

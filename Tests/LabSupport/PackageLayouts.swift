import Foundation
import Synchronization

/// The layouts `scripts/package-layout` makes from the test build, made once per test process and
/// shared by every suite that needs one (the packaging checks, the lab images, the Dockerfile
/// images): a debug layout is about 300 MB, and the sidecar's needs a `swift build` of its own.
/// Removed at exit. Read-only for their users: a suite that changes one works on a copy.
public enum PackageLayouts {
    /// The agent layout of the test build's products (`package-layout --configuration debug
    /// --bin-dir BUILD_DIR`) in `/tmp/ops-packaging-<pid>-agent`; blocks the calling thread.
    /// - Parameter buildDirectory: the folder of the built products (`AGENT_BUILD_DIR`); the first
    ///   caller's is used for the whole process.
    public static func agent(buildDirectory: String) throws -> String {
        try agentState.withLock { state in
            let result = state ?? Result { () throws(PackageLayoutError) in
                let out = scratchFolder("agent")
                try run([script, out, "--configuration", "debug", "--bin-dir", buildDirectory], timeout: 600)
                return out
            }
            state = result
            return try result.get()
        }
    }

    /// The netmon layout: `autonomy-netmon` built with --static-swift-stdlib (debug) in its own
    /// scratch folder (`.build-pkg-static`, which scripts/test builds before the tests, so this is
    /// incremental), in `/tmp/ops-packaging-<pid>-netmon`; blocks the calling thread.
    public static func netmon() throws -> String {
        try netmonState.withLock { state in
            let result = state ?? Result { () throws(PackageLayoutError) in
                let out = scratchFolder("netmon")
                try run(
                    [script, "--netmon", out, "--configuration", "debug", "--scratch", DockerLab.packageRoot + "/.build-pkg-static"],
                    timeout: 1800)
                return out
            }
            state = result
            return try result.get()
        }
    }

    private static let script = DockerLab.packageRoot + "/scripts/package-layout"
    private static let agentState = Mutex<Result<String, PackageLayoutError>?>(nil)
    private static let netmonState = Mutex<Result<String, PackageLayoutError>?>(nil)

    private static func run(_ argv: [String], timeout: Double) throws(PackageLayoutError) {
        let r: CommandResult
        do { r = try CommandRunner.run(argv, timeout: timeout) } catch { throw PackageLayoutError("\(argv[0]): \(error)") }
        guard r.succeeded else {
            throw PackageLayoutError(
                "\(argv.joined(separator: " ")) exited \(r.status)\nstdout: \(r.stdout.suffix(3000))\nstderr: \(r.stderr.suffix(3000))")
        }
    }

    /// `/tmp/ops-packaging-<pid>-<name>`, removed at exit.
    private static func scratchFolder(_ name: String) -> String {
        cleanup
        let dir = "/tmp/ops-packaging-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    private static let cleanup: Void = {
        atexit {
            let fm = FileManager.default
            let prefix = "ops-packaging-\(getpid())-"
            for name in (try? fm.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(prefix) {
                try? fm.removeItem(atPath: "/tmp/" + name)
            }
        }
    }()
}

/// A layout could not be made (the script's output is in the description).
public struct PackageLayoutError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

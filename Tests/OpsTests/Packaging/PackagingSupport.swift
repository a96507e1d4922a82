import AgentJSON
import Foundation
import LabSupport
import Synchronization

/// Paths and helpers of the packaging tests: the built products, scripts/package-layout and the
/// layouts it writes (made once per test process, removed at exit).
enum Packaging {
    /// The package root (this file is Tests/OpsTests/Packaging/PackagingSupport.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let layoutScript = packageRoot + "/scripts/package-layout"
    static let imageScript = packageRoot + "/scripts/lab/agent-image"
    static let dockerfile = packageRoot + "/Dockerfile"

    /// The five first-party plugin products the image ships.
    static let pluginProducts = ["agent-transport-mtls", "agent-host-topics", "agent-docker", "agent-runtime", "agent-netmon"]
    /// Where the layout puts the plugins, in the image.
    static let imagePluginDir = "/usr/lib/orchestrator-agent/plugins"
    static let manifestPath = "usr/lib/orchestrator-agent/MANIFEST"
    static let netmonManifestPath = "usr/lib/autonomy-netmon/MANIFEST"

    /// Where the built products are: `AGENT_BUILD_DIR` (scripts/test sets it), else the folder of
    /// the running test binary, else `<package>/.build/debug`.
    static let buildDirectory: String = {
        if let env = ProcessInfo.processInfo.environment["AGENT_BUILD_DIR"], !env.isEmpty { return env }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            if dir.path.hasSuffix(".xctest") { dir.deleteLastPathComponent() }
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("orchestrator-agent").path) {
                return dir.path
            }
        }
        return packageRoot + "/.build/debug"
    }()

    /// The products the layout needs are built (scripts/test builds everything).
    static var productsBuilt: Bool {
        let fm = FileManager.default
        return fm.isExecutableFile(atPath: buildDirectory + "/orchestrator-agent")
            && pluginProducts.allSatisfy { fm.fileExists(atPath: buildDirectory + "/lib\($0).so") }
    }

    /// Root can unshare a mount namespace and hide the toolchain.
    static var canHideToolchain: Bool { getuid() == 0 && toolchainRoot != nil }

    /// The toolchain's `usr` folder (`/opt/swift/usr` here): `swift` resolved through PATH, up two.
    static let toolchainRoot: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in path {
            let candidate = "\(dir)/swift"
            guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
            let real = URL(fileURLWithPath: candidate).resolvingSymlinksInPath()
            let root = real.deletingLastPathComponent().deletingLastPathComponent().path
            return FileManager.default.fileExists(atPath: root + "/lib/swift/linux/libswiftCore.so") ? root : nil
        }
        return nil
    }()

    // MARK: layouts

    private static let agentLayoutState = Mutex<Result<String, PackagingError>?>(nil)
    private static let netmonLayoutState = Mutex<Result<String, PackagingError>?>(nil)

    /// The agent layout of the test build's products (`package-layout --configuration debug
    /// --bin-dir <build dir>`), made once per process; blocks the calling thread.
    static func agentLayout() throws -> String {
        try agentLayoutState.withLock { state in
            let result = state ?? Result { () throws(PackagingError) in
                let out = scratchFolder("agent")
                try run([layoutScript, out, "--configuration", "debug", "--bin-dir", buildDirectory], timeout: 300)
                return out
            }
            state = result
            return try result.get()
        }
    }

    /// The netmon layout: autonomy-netmon built with --static-swift-stdlib (debug) in its own
    /// scratch folder (`.build-pkg-static`; incremental after the first time), made once per process.
    static func netmonLayout() throws -> String {
        try netmonLayoutState.withLock { state in
            let result = state ?? Result { () throws(PackagingError) in
                let out = scratchFolder("netmon")
                try run(
                    [layoutScript, "--netmon", out, "--configuration", "debug", "--scratch", packageRoot + "/.build-pkg-static"],
                    timeout: 1800)
                return out
            }
            state = result
            return try result.get()
        }
    }

    /// `/tmp/ops-packaging-<pid>-<name>`, removed at exit (layouts are a few hundred MB in debug).
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

    // MARK: commands

    /// Runs `argv`; fails unless it exits 0. Returns stdout.
    @discardableResult
    static func run(_ argv: [String], timeout: Double = 120) throws(PackagingError) -> String {
        let r: CommandResult
        do { r = try CommandRunner.run(argv, timeout: timeout) } catch { throw PackagingError("\(argv[0]): \(error)") }
        guard r.succeeded else {
            throw PackagingError("\(argv.joined(separator: " ")) exited \(r.status)\nstdout: \(r.stdout.suffix(3000))\nstderr: \(r.stderr.suffix(3000))")
        }
        return r.stdout
    }

    /// A JSON file parsed.
    static func readJSON(_ path: String) throws -> JSONValue {
        try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// MANIFEST lines (`<sha256>  <path relative to the layout>`) as path → sha256.
    static func manifest(_ layout: String, _ relative: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try String(contentsOfFile: layout + "/" + relative, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw PackagingError("bad MANIFEST line: \(line)") }
            out[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        return out
    }

    /// SHA-256 of a file (sha256sum).
    static func sha256(_ path: String) throws -> String {
        String(try run(["sha256sum", path]).prefix(64))
    }

    /// The file's permission bits.
    static func mode(_ path: String) throws -> Int {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        return (attrs[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Whether the file starts with the ELF magic.
    static func isELF(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x7f, 0x45, 0x4c, 0x46])
    }
}

struct PackagingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import AgentJSON
import Foundation
import LabSupport

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

    /// The six first-party plugin products the image and the package ship (both container drivers).
    static let pluginProducts = ["agent-transport-mtls", "agent-host-topics", "agent-docker", "agent-podman", "agent-runtime", "agent-netmon"]
    /// Plugins shipped and pinned but on the shipped site config's `plugins.deny` (Docker is the
    /// default engine; a site chooses Podman by denying the Docker driver instead).
    static let disabledPlugins = ["io.autonomy.podman"]
    /// The state `plugins list` gives a shipped plugin under the shipped site config, and its
    /// reason when it is not loaded: `refused`/`denied` for a disabled one, else `loaded`.
    static func shippedState(_ id: String) -> (state: String, reason: String?) {
        disabledPlugins.contains(id) ? ("refused", "denied") : ("loaded", nil)
    }
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

    /// The agent layout of the test build's products, shared with the other suites of the
    /// process (``PackageLayouts``); blocks the calling thread.
    static func agentLayout() throws -> String { try PackageLayouts.agent(buildDirectory: buildDirectory) }

    /// The netmon layout (the statically linked sidecar, debug), shared likewise.
    static func netmonLayout() throws -> String { try PackageLayouts.netmon() }

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

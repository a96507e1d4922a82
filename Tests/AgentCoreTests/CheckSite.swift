import AgentJSON
import Foundation
import LabSupport

/// A site for `orchestrator-agent check` tests: a plugin lab with pinned first-party plugins, a
/// client certificate from the lab PKI in its own cert folder, and a site config pointing at a
/// lab cloud (or at a closed port). `check` runs as a subprocess, off the cooperative pool.
final class CheckSite: @unchecked Sendable {
    let lab: PluginLab
    let certDir: String
    private(set) var configPath = ""

    /// What the site loads besides the example plugin.
    struct Parts {
        /// The lab cloud's port (nil: no transport plugin and no cloud section).
        var cloudPort: Int?
        /// The lab PKI certificate to install as client.crt/client.key.
        var client = "client"
        /// Load the docker plugin with this `socket`.
        var dockerSocket: String?
        /// Load the podman plugin with this `socket`.
        var podmanSocket: String?
        /// Load the netmon plugin with this `socket`.
        var netmonSocket: String?
    }

    init(_ parts: Parts) throws {
        lab = try PluginLab()
        certDir = lab.root + "/mtls"
        try FileManager.default.createDirectory(
            atPath: certDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(
            atPath: lab.stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AgentUnderTest.installClientCert(parts.client, into: certDir)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: certDir + "/client.key")

        var entries = [try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift"))]
        var extra: JSONObject = [:]
        if let port = parts.cloudPort {
            entries.append(try lab.entry(id: "io.autonomy.transport-mtls", path: try lab.install("agent-transport-mtls")))
            extra["cloud"] = [
                "host": "localhost", "port": .number(Double(port)), "cert_dir": .string(certDir),
                "ca_bundle": .string(LabPKI.path("ca.pem")),
            ]
        }
        if let socket = parts.dockerSocket {
            entries.append(
                try lab.entry(id: "io.autonomy.docker", path: try lab.install("agent-docker"), config: ["socket": .string(socket)]))
        }
        if let socket = parts.podmanSocket {
            entries.append(
                try lab.entry(id: "io.autonomy.podman", path: try lab.install("agent-podman"), config: ["socket": .string(socket)]))
        }
        if let socket = parts.netmonSocket {
            entries.append(
                try lab.entry(id: "io.autonomy.netmon", path: try lab.install("agent-netmon"), config: ["socket": .string(socket)]))
        }
        configPath = try lab.writeConfig(entries, extra: extra)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: configPath)
    }

    /// Replaces the site config with `text` (for invalid configs).
    func writeConfig(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
    }

    /// Runs `orchestrator-agent check --config … --json` (plus `arguments`).
    func check(_ arguments: [String] = [], cloudTimeout: Double = 5) async throws -> CheckRun {
        let argv = [BuildProducts.executable("orchestrator-agent"), "check", "--config", configPath, "--json",
                    "--cloud-timeout", String(cloudTimeout)] + arguments
        let result = try await DockerLab.blocking { try CommandRunner.run(argv, timeout: 120) }
        return try CheckRun(result)
    }

    /// Runs `check` without `--json` and returns its output.
    func checkText(cloudTimeout: Double = 5) async throws -> CommandResult {
        let argv = [BuildProducts.executable("orchestrator-agent"), "check", "--config", configPath,
                    "--cloud-timeout", String(cloudTimeout)]
        return try await DockerLab.blocking { try CommandRunner.run(argv, timeout: 120) }
    }
}

/// One `check --json` run: its exit status and results.
struct CheckRun: CustomStringConvertible {
    let status: Int32
    let results: [JSONObject]
    let stderr: String

    init(_ result: CommandResult) throws {
        status = result.status
        stderr = result.stderr
        guard let array = try JSONParser.parse(result.stdout).arrayValue else {
            throw LabError("check printed no JSON array: \(result.stdout) \(result.stderr)")
        }
        results = array.compactMap(\.objectValue)
    }

    /// The results of `item`.
    func of(_ item: String) -> [JSONObject] { results.filter { $0["item"]?.stringValue == item } }

    /// The statuses of `item`'s results.
    func statuses(_ item: String) -> [String] { of(item).compactMap { $0["status"]?.stringValue } }

    /// Whether `item` has a result with `status` whose detail contains `text`.
    func has(_ item: String, _ status: String, _ text: String = "") -> Bool {
        of(item).contains { $0["status"]?.stringValue == status && ($0["detail"]?.stringValue ?? "").contains(text) }
    }

    /// The fix of `item`'s first result with `status`.
    func fix(_ item: String, _ status: String) -> String {
        of(item).first { $0["status"]?.stringValue == status }?["fix"]?.stringValue ?? ""
    }

    var description: String {
        "exit \(status)\n" + results.map { JSONWriter.string(.object($0)) }.joined(separator: "\n") + "\n" + stderr
    }
}

/// A loopback TCP port nothing listens on (bound, read, closed).
func closedLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LabError("socket: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
            bind(fd, p, length) == 0 && getsockname(fd, p, &length) == 0
        }
    }
    guard bound else { throw LabError("bind: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

import Foundation
import LabSupport

/// A real HTTP CONNECT proxy on loopback for the cloud-link tests: Debian's tinyproxy in the
/// foreground, with its own config, stopped (SIGTERM, by PID) on `stop()` or deinit. Its log
/// (one `Request … CONNECT host:port` line per tunnel) shows what went through it.
final class LabProxy: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: LogCollector
    private let folder: String

    /// Starts tinyproxy and waits until it accepts connections.
    /// - Parameters:
    ///   - basicAuth: `(user, password)` the proxy demands (HTTP 407 without them).
    ///   - connectPorts: the only ports it tunnels to (HTTP 403 for others); empty = any.
    static func start(basicAuth: (String, String)? = nil, connectPorts: [Int] = []) async throws -> LabProxy {
        let proxy = try LabProxy(basicAuth: basicAuth, connectPorts: connectPorts)
        // tinyproxy logs this once its socket listens.
        guard await proxy.log.waitFor("Accepting connections", seconds: 10) else {
            throw LabError("tinyproxy did not start on 127.0.0.1:\(proxy.port): \(proxy.log.contents)")
        }
        return proxy
    }

    private init(basicAuth: (String, String)?, connectPorts: [Int]) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") else {
            throw LabError("tinyproxy is missing: scripts/test installs Debian's tinyproxy-bin")
        }
        folder = NSTemporaryDirectory() + "agent-lab-proxy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try closedLoopbackPort()  // free a moment ago; tinyproxy binds it next
        var conf = [
            "Port \(port)", "Listen 127.0.0.1", "Timeout 60", "LogLevel Info", "MaxClients 50", "Allow 127.0.0.1",
        ]
        if let (user, password) = basicAuth { conf.append("BasicAuth \(user) \(password)") }
        conf += connectPorts.map { "ConnectPort \($0)" }
        let path = folder + "/tinyproxy.conf"
        try conf.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tinyproxy")
        process.arguments = ["-d", "-c", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        log = LogCollector(out.fileHandleForReading)
        try process.run()
    }

    /// The tunnels opened so far, as `host:port` targets.
    var tunnels: [String] {
        log.contents.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: "Request (file descriptor "), let c = line.range(of: "CONNECT ", range: r.upperBound..<line.endIndex)
            else { return nil }
            return line[c.upperBound...].split(separator: " ").first.map(String.init)
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        // tinyproxy notices SIGTERM only at its next connection or timeout; it keeps no state,
        // so it is not given a grace to use up.
        terminate(process, grace: 0)
        try? FileManager.default.removeItem(atPath: folder)  // a temp folder; a leftover is harmless
    }

    deinit { stop() }
}

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

    /// - Parameters:
    ///   - basicAuth: `(user, password)` the proxy demands (HTTP 407 without them).
    ///   - connectPorts: the only ports it tunnels to (HTTP 403 for others); empty = any.
    init(basicAuth: (String, String)? = nil, connectPorts: [Int] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") else {
            throw LabError("tinyproxy is missing: scripts/test installs Debian's tinyproxy-bin")
        }
        folder = NSTemporaryDirectory() + "agent-lab-proxy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try freeLoopbackPort()
        var conf = [
            "Port \(port)", "Listen 127.0.0.1", "Timeout 60", "LogLevel Connect", "MaxClients 50", "Allow 127.0.0.1",
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
        // Ready when it accepts connections (it prints nothing reliable before that).
        let deadline = Date().addingTimeInterval(10)
        while !canConnect(port) {
            guard Date() < deadline, process.isRunning else {
                throw LabError("tinyproxy did not start on 127.0.0.1:\(port): \(log.contents)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
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
        terminate(process)
        try? FileManager.default.removeItem(atPath: folder)  // a temp folder; a leftover is harmless
    }

    deinit { stop() }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, then closed).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw LabError("socket() failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw LabError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// True when something accepts TCP connections on 127.0.0.1:`port`.
func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

import Foundation

/// `autonomy-netmon` as a child process inside a lab namespace (host network of the "edge box"),
/// with its socket and state in a temp folder. Stopped by PID.
final class SidecarUnderTest: @unchecked Sendable {
    let directory: String
    let socketPath: String
    let netns: String
    /// Extra command-line arguments (`--sysfs-root`, `--test-devices`), kept for restarts.
    let arguments: [String]
    private(set) var process = Process()
    private(set) var log: LogCollector
    /// The temp folder was made here (not given): it goes when this goes.
    private let ownsDirectory: Bool

    init(netns: String, directory: String? = nil, arguments: [String] = []) throws {
        self.netns = netns
        self.arguments = arguments
        ownsDirectory = directory == nil
        let dir = directory ?? (NSTemporaryDirectory() + "netmon-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        self.directory = dir
        socketPath = dir + "/netmon.sock"
        (process, log) = try Self.launch(netns: netns, directory: dir, arguments: arguments)
    }

    private static func launch(netns: String, directory: String, arguments: [String] = []) throws -> (Process, LogCollector) {
        let p = Process()
        // `ip netns exec` execs the sidecar: the child's PID is the sidecar's.
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = [
            "netns", "exec", netns, BuildProducts.executable("autonomy-netmon"), "--socket", directory + "/netmon.sock",
            "--state-dir", directory + "/state", "--debounce-ms", "100", "--log-level", "debug",
        ] + arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let log = LogCollector(err.fileHandleForReading)
        try p.run()
        return (p, log)
    }

    /// SIGKILLs the sidecar (a crash) and waits for it to be gone.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while !childGone(process), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }  // sleep-audit: poll (the interval of a wait with a deadline)
    }

    /// Starts it again on the same socket and state folder.
    func restart() throws { (process, log) = try Self.launch(netns: netns, directory: directory, arguments: arguments) }

    func stop() { terminate(process) }

    deinit {
        stop()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Processes whose environment holds `ORCH_DHCP_KEY=<key>` (the sidecar's DHCP clients), by PID.
func dhcpClients(key: String) -> [Int32] {  // key: "<container>:<vnic>"
    let needle = Array("ORCH_DHCP_KEY=\(key)".utf8)
    var out: [Int32] = []
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
        guard let pid = Int32(entry), let env = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
        if env.split(separator: 0).contains(where: { Array($0) == needle }) { out.append(pid) }
    }
    return out
}

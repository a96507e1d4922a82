#if canImport(Glibc)
import Glibc
#endif

/// DHCP clients left running by an earlier sidecar that was killed (SIGKILL, OOM): they were
/// reparented to PID 1 and still hold leases. A new sidecar does not know them, and the agent's
/// resync would start a second client on the same interface, so they are ended at start.
/// Only processes started from this sidecar's own hook script (its path on their command line)
/// and carrying `ORCH_DHCP_KEY` are touched.
enum OrphanClients {
    /// Sends SIGKILL to every such process; answers their PIDs.
    @discardableResult
    static func end(script: String) -> [pid_t] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        let own = getpid()
        var ended: [pid_t] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), pid != own else { continue }
            let cmdline = read("/proc/\(pid)/cmdline")
            guard cmdline.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == script }) else { continue }
            let env = read("/proc/\(pid)/environ")
            guard env.split(separator: 0).contains(where: { $0.starts(with: Array("ORCH_DHCP_KEY=".utf8)) }) else { continue }
            if kill(pid, SIGKILL) == 0 { ended.append(pid) }
        }
        return ended
    }

    /// The whole (small) file, or empty.
    private static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < 1 << 20 {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }
}

import AgentStore
#if canImport(Glibc)
import Glibc
#endif
import NetmonCore

/// DHCP clients this sidecar did not start. Those of an earlier sidecar of this kind that was
/// killed (SIGKILL, OOM) were reparented to PID 1 and still hold leases; the agent's resync would
/// start a second client on the same interface, so they are ended at start (``end(script:)``:
/// only processes started from this sidecar's own hook script and carrying `ORCH_DHCP_KEY`).
/// Another sidecar's (the Python agent's, at a takeover) are ended per key once this sidecar's
/// own client has its lease (``endForeign(key:containerPid:except:)``).
enum OrphanClients {
    /// Sends SIGKILL to every such process; answers their PIDs.
    @discardableResult
    static func end(script: String) -> [pid_t] {
        otherProcesses().filter { pid in
            guard read("/proc/\(pid)/cmdline").split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == script })
            else { return false }
            let env = read("/proc/\(pid)/environ")
            guard env.split(separator: 0).contains(where: { $0.starts(with: Array("ORCH_DHCP_KEY=".utf8)) }) else { return false }
            return kill(pid, SIGKILL) == 0
        }
    }

    /// Sends SIGTERM to every DHCP client of `key` in `containerPid`'s network namespace that is
    /// not in `except` (this sidecar's own children): processes whose environment holds
    /// `ORCH_DHCP_KEY=<container>:<vnic>` (this sidecar's form) or `<container>_<vnic>` (the
    /// Python sidecar's). A busybox udhcpc started without `-R` neither releases its lease nor
    /// runs its script on SIGTERM, so the address it held stays. Answers their PIDs.
    static func endForeign(key: DhcpKey, containerPid: Int32, except: Set<pid_t>) -> [pid_t] {
        guard let netns = namespace(containerPid) else { return [] }
        let forms = ["ORCH_DHCP_KEY=\(key.container):\(key.vnic)", "ORCH_DHCP_KEY=\(key.container)_\(key.vnic)"].map { Array($0.utf8) }
        return otherProcesses().filter { pid in
            guard !except.contains(pid) else { return false }
            let env = read("/proc/\(pid)/environ").split(separator: 0)
            guard env.contains(where: { entry in forms.contains { Array(entry) == $0 } }) else { return false }
            // udhcpc itself, not a hook script it runs (which carries the same environment).
            guard read("/proc/\(pid)/cmdline").split(separator: 0).contains(where: { $0.elementsEqual("udhcpc".utf8) }),
                namespace(pid) == netns
            else { return false }
            return kill(pid, SIGTERM) == 0
        }
    }

    /// Every process in /proc but this one.
    private static func otherProcesses() -> [pid_t] {
        let own = getpid()
        return (Directory.names("/proc") ?? []).compactMap { pid_t($0) }.filter { $0 != own }
    }

    /// The network namespace of `pid` (`net:[inode]`), nil when it cannot be read.
    private static func namespace(_ pid: pid_t) -> String? {
        var buf = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/\(pid)/ns/net", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
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

import Synchronization

/// Samples CPU, memory, disk and uptime of the host whose root filesystem is at `hostRoot`.
///
/// Reads `<hostRoot>/proc/stat`, `<hostRoot>/proc/meminfo`, `<hostRoot>/proc/uptime` and the mount
/// table `<hostRoot>/proc/1/mounts` (falling back to `<hostRoot>/proc/self/mounts` when that is
/// unreadable or empty), and calls `statvfs` on `<hostRoot>/<mountpoint>`. No subprocesses; a sample
/// is a handful of small reads plus one `statvfs` per physical mount (well under 1 ms on a normal host).
///
/// Thread-safe: the previous CPU counters live in a `Mutex`, so concurrent callers each get the
/// share since the previous call by anyone.
public final class HostMetricsSampler: Sendable {
    /// The directory where the host's `/` is visible (e.g. `/host` in a container); default `/`.
    public let hostRoot: String
    /// CPU counters of the previous sample; `CPUTimes.zero` (boot) until the first one.
    private let previousCPU = Mutex<CPUTimes>(.zero)

    /// Creates a sampler for the host mounted at `hostRoot` (default `/`). Reads nothing yet.
    public init(hostRoot: String = "/") {
        self.hostRoot = hostRoot
    }

    /// Takes one sample. Never traps: anything unreadable or unparsable yields 0 for its fields.
    ///
    /// - CPU: busy share of the aggregate `cpu ` counters since the previous call. The first call
    ///   compares against boot (all counters zero), so it returns the since-boot average rather than
    ///   psutil's meaningless first value. If /proc/stat is unreadable the result is 0 and the
    ///   baseline is kept.
    /// - Memory: psutil's "used" (see `ProcParsers.memory(meminfo:)`).
    /// - Disk: see `HostSample.diskUsedGB`; totals are re-read every call (upstream cached
    ///   `memory_total`/`disk_total` at first use; re-reading keeps used ≤ total when mounts change).
    public func sample() -> HostSample {
        let cpuPercent = sampleCPU()
        let memory = ProcFile.contents(of: path("proc/meminfo")).flatMap { ProcParsers.memory(meminfo: $0) }
        let disk = DiskUsage.sum(mounts: mountTable(), hostRoot: hostRoot)
        let uptime = ProcFile.contents(of: path("proc/uptime")).flatMap(ProcParsers.uptimeSeconds) ?? 0
        return HostSample(
            cpuPercent: cpuPercent,
            memoryUsedGB: UpstreamRounding.gigabytes(memory?.used ?? 0),
            memoryTotalGB: UpstreamRounding.gigabytes(memory?.total ?? 0),
            diskUsedGB: UpstreamRounding.gigabytes(disk.used),
            diskTotalGB: UpstreamRounding.gigabytes(disk.total),
            hostUptimeSeconds: uptime)
    }

    private func sampleCPU() -> Double {
        guard let current = ProcFile.contents(of: path("proc/stat")).flatMap({ ProcParsers.cpuTimes(stat: $0) }) else {
            return 0
        }
        return previousCPU.withLock { previous in
            defer { previous = current }
            return CPUTimes.percent(from: previous, to: current)
        }
    }

    private func mountTable() -> [MountEntry] {
        for candidate in ["proc/1/mounts", "proc/self/mounts"] {
            if let text = ProcFile.contents(of: path(candidate)), !text.isEmpty {
                return ProcParsers.mounts(text)
            }
        }
        return []
    }

    private func path(_ relative: String) -> String {
        HostPath.join(hostRoot, relative)
    }
}

/// One heartbeat-sized snapshot of the host, already in the units and rounding of the upstream
/// heartbeat payload (shared/spec/upstream-behaviour.md §3).
///
/// "GB" is 1024³ bytes (GiB) and every GB and percent value is rounded to one decimal place with
/// Python's `round(x, 1)` semantics (correctly rounded, ties to even on the exact binary value).
public struct HostSample: Sendable, Equatable {
    /// Busy CPU share over the interval since the previous `HostMetricsSampler.sample()` call
    /// (the first call measures since boot), in percent, 0–100, one decimal.
    public var cpuPercent: Double
    /// Used RAM in GB (1024³ bytes), one decimal, with psutil's definition of "used":
    /// `MemTotal − MemFree − Buffers − (Cached + SReclaimable)`, or `MemTotal − MemFree` when that is
    /// negative. 0 when /proc/meminfo is unreadable.
    public var memoryUsedGB: Double
    /// Total RAM (`MemTotal`) in GB (1024³ bytes), one decimal. 0 when /proc/meminfo is unreadable.
    public var memoryTotalGB: Double
    /// Used bytes summed over physical, de-duplicated mounts, `(f_blocks − f_bfree) · f_frsize`,
    /// in GB (1024³ bytes), one decimal.
    public var diskUsedGB: Double
    /// Size summed over the same mounts, `f_blocks · f_frsize`, in GB (1024³ bytes), one decimal.
    public var diskTotalGB: Double
    /// Host uptime in whole seconds (first field of /proc/uptime, truncated). 0 when unreadable.
    /// Note: the upstream heartbeat's `uptime` field is the agent *process* uptime — use
    /// `ProcessUptime.seconds()` for that.
    public var hostUptimeSeconds: Int

    /// Memberwise initialiser; values are stored as given (no rounding is applied here).
    public init(
        cpuPercent: Double, memoryUsedGB: Double, memoryTotalGB: Double,
        diskUsedGB: Double, diskTotalGB: Double, hostUptimeSeconds: Int
    ) {
        self.cpuPercent = cpuPercent
        self.memoryUsedGB = memoryUsedGB
        self.memoryTotalGB = memoryTotalGB
        self.diskUsedGB = diskUsedGB
        self.diskTotalGB = diskTotalGB
        self.hostUptimeSeconds = hostUptimeSeconds
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent *process* uptime — what the upstream heartbeat's `uptime` field carries (not the host's).
public enum ProcessUptime {
    /// Whole seconds (truncated, ≥ 0) since this process started.
    ///
    /// Computed as `CLOCK_BOOTTIME − starttime / CLK_TCK`, with `starttime` being field 22 of
    /// `/proc/self/stat` (the process's own /proc, not a host root). `CLOCK_BOOTTIME` is used instead
    /// of /proc/uptime because it is the same clock the kernel measures `starttime` against, is
    /// time-namespace aware, and cannot be faked by lxcfs; it keeps counting during suspend, as
    /// process age should. So the value is right even when first asked long after startup.
    /// Fallback, if /proc is unavailable: the monotonic time since this type was first used.
    public static func seconds() -> Int {
        if let seconds = secondsFromProcStat() { return seconds }
        return max(0, Int(monotonicSeconds() - fallbackStart))
    }

    /// Monotonic clock reading captured at first use (immutable once set; thread-safe lazy init).
    private static let fallbackStart: Double = monotonicSeconds()

    private static func secondsFromProcStat() -> Int? {
        _ = fallbackStart  // pin the fallback origin as early as possible
        let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
        guard ticksPerSecond > 0,
            let text = ProcFile.contents(of: "/proc/self/stat"),
            let startTicks = ProcParsers.processStartTicks(stat: text)
        else { return nil }
        var spec = timespec()
        guard clock_gettime(CLOCK_BOOTTIME, &spec) == 0 else { return nil }
        let now = Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        let age = now - Double(startTicks) / Double(ticksPerSecond)
        guard age.isFinite else { return nil }
        return age > 0 ? Int(age) : 0
    }

    private static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

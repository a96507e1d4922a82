import HostMetrics
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for records and events: UTC ISO-8601 with a `Z` (upstream used naive local
/// time, spec §12.10).
public enum WallClock {
    /// Seconds since the Unix epoch.
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for `epoch` seconds.
    public static func iso(_ epoch: Double) -> String {
        let s = Int(epoch.rounded(.down))
        return UpstreamTimestamp.format(seconds: s, microseconds: Int((epoch - Double(s)) * 1e6), utcOffsetSeconds: 0) + "Z"
    }
}

import HostMetrics

/// Wall-clock time for records and events: UTC ISO-8601 with a `Z` (upstream used naive local
/// time, spec §12.10).
public enum WallClock {
    /// Seconds since the Unix epoch (``WallSeconds/now()``, shared with the host metrics).
    public static func now() -> Double { WallSeconds.now() }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for `epoch` seconds.
    public static func iso(_ epoch: Double) -> String {
        let s = Int(epoch.rounded(.down))
        return UpstreamTimestamp.format(seconds: s, microseconds: Int((epoch - Double(s)) * 1e6), utcOffsetSeconds: 0) + "Z"
    }
}

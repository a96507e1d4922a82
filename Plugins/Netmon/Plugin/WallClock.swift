#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// UTC wall-clock timestamps for status answers (no Foundation in the plugin).
enum WallClock {
    /// Now as ISO 8601 with milliseconds, e.g. `2026-11-26T06:30:00.123Z`.
    static func iso8601() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var t = tm()
        gmtime_r(&seconds, &t)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let millis = Int32(ts.tv_nsec / 1_000_000)
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(millis, 3))Z"
    }
}

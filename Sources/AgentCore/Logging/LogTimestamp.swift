#if canImport(Glibc)
import Glibc
#endif

/// Log record times: ISO-8601 in UTC with milliseconds (`2026-11-26T09:24:11.123Z`), read from
/// the realtime clock without Foundation (no formatter object, safe from any thread).
enum LogTimestamp {
    /// The current time.
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec / 1_000_000))
    }

    /// `seconds` since the epoch plus `milliseconds` (0…999) as ISO-8601 UTC.
    static func format(seconds: Int, milliseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
            + "\(pad(milliseconds, 3))Z"
    }
}

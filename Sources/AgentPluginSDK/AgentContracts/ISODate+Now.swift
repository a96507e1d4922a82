#if canImport(Glibc)
import Glibc
#endif

extension ISODate {
    /// The current UTC time as the upstream agent writes it (`requested_at` defaults):
    /// `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` (microseconds, as Python's `isoformat()`).
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(ts.tv_nsec / 1000), 6))+00:00"
    }
}

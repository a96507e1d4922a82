#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The netmon wire's timestamps, without Foundation: UTC ISO-8601 with milliseconds and a `Z`
/// (`2026-11-26T06:30:00.123Z`; upstream sent naive local time, §12 item 10). One formatter for
/// the sidecar and the listener.
public enum WireTime {
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME).
    public static func epochMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The wire timestamp for now.
    public static func now() -> String { iso8601(epochMs: epochMs()) }

    /// UTC ISO-8601 with milliseconds for a time in ms since the epoch.
    public static func iso8601(epochMs: Int64) -> String {
        let ms = Int(((epochMs % 1000) + 1000) % 1000)
        let secs = (epochMs - Int64(ms)) / 1000
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = civil(days: days)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(rem / 3600), 2)):\(pad(Int(rem / 60 % 60), 2)):"
            + "\(pad(Int(rem % 60), 2)).\(pad(ms, 3))Z"
    }

    /// Year, month, day of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The heartbeat `timestamp` exactly as upstream produced it with Python's
/// `datetime.now().isoformat()`: naive local wall-clock time without any zone designator,
/// `YYYY-MM-DDTHH:MM:SS.ffffff`, where the `.ffffff` part is omitted when the microseconds are
/// exactly 0 (as Python does).
public enum UpstreamTimestamp {
    /// The current local time in the upstream format. Microseconds are truncated (floored) from the
    /// realtime clock like CPython; the local UTC offset (including DST) comes from `localtime_r`
    /// and the process's `TZ` / `/etc/localtime`.
    public static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var broken = tm()
        let offset = localtime_r(&seconds, &broken) != nil ? Int(broken.tm_gmtoff) : 0
        return format(seconds: Int(spec.tv_sec), microseconds: Int(spec.tv_nsec) / 1000, utcOffsetSeconds: offset)
    }

    /// Pure formatter: `seconds` since the Unix epoch (UTC) plus `microseconds` (any value; it is
    /// normalised into 0..<1_000_000 by carrying into `seconds`), shifted by `utcOffsetSeconds`
    /// (east positive, e.g. 3600 for CET), rendered as `YYYY-MM-DDTHH:MM:SS[.ffffff]` in the
    /// proleptic Gregorian calendar. Example: `format(seconds: 0, microseconds: 5, utcOffsetSeconds: 0)
    /// == "1970-01-01T00:00:00.000005"`, and with `microseconds: 0` → `"1970-01-01T00:00:00"`.
    public static func format(seconds: Int, microseconds: Int, utcOffsetSeconds: Int) -> String {
        let carry = floorDivide(microseconds, 1_000_000)
        let micros = microseconds - carry * 1_000_000
        let local = seconds &+ carry &+ utcOffsetSeconds
        let days = floorDivide(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay % 3600 / 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if micros != 0 { text += "." + pad(micros, 6) }
        return text
    }

    /// Gregorian (year, month 1–12, day 1–31) of a day count relative to 1970-01-01 — the
    /// well-known "civil from days" era arithmetic.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153  // March = 0
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor < 0) ? quotient - 1 : quotient
    }

    /// Zero-pads a non-negative number to `width` digits (a leading `-` is kept for negatives).
    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}

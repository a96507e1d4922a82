#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NetmonProtocol

/// Time without Foundation: a monotonic millisecond clock for timers, and the wire timestamp
/// (formatted by `WireTime`, shared with the listener).
public enum Clock {
    /// Milliseconds of CLOCK_MONOTONIC.
    public static func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The wire timestamp for now (``WireTime/now()``).
    public static func timestamp() -> String { WireTime.now() }
}

import AgentContracts

/// Unit conversion and rounding exactly as the upstream heartbeat does it.
public enum UpstreamRounding {
    /// Bytes per "GB" on the wire: 1024³.
    public static let bytesPerGB: Double = 1024 * 1024 * 1024

    /// Python's `round(value, 1)`: the exact binary value correctly rounded to one decimal, ties
    /// to even (so `round(2.25, 1) == 2.2` but `round(2.35, 1) == 2.4`, since 2.35 is stored as
    /// 2.35000000000000008…). Non-finite input yields 0.
    public static func oneDecimal(_ value: Double) -> Double {
        guard value.isFinite else { return 0 }
        // glibc's printf is correctly rounded on the exact binary value, like CPython's dtoa.
        return Double(DecimalText.fixed(value, digits: 1)) ?? 0
    }

    /// `bytes / 1024³`, rounded with `oneDecimal`.
    public static func gigabytes(_ bytes: UInt64) -> Double {
        oneDecimal(Double(bytes) / bytesPerGB)
    }
}

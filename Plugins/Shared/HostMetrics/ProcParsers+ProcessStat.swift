extension ProcParsers {
    /// Parses `/proc/<pid>/stat` and returns field 22, `starttime`: when the process started, in
    /// clock ticks (`sysconf(_SC_CLK_TCK)`) after boot. The `comm` field (2) is parenthesised and may
    /// itself contain spaces and `)`, so fields are counted after the *last* `)`.
    /// `nil` when malformed.
    public static func processStartTicks(stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        // rest[0] is field 3 (state), so field 22 is rest[19].
        guard rest.count > 19 else { return nil }
        return UInt64(rest[19])
    }
}

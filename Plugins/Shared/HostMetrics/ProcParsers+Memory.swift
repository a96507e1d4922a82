extension ProcParsers {
    /// Parses /proc/meminfo into total and used RAM, in bytes.
    ///
    /// "Used" follows psutil (which the upstream heartbeat reports), not the modern
    /// `MemTotal − MemAvailable`: `used = MemTotal − MemFree − Buffers − Cached` where `Cached`
    /// includes `SReclaimable` (as psutil adds it); when that is negative (seen in containers), it
    /// falls back to `MemTotal − MemFree`, and finally clamps at 0. `MemTotal` and `MemFree` are
    /// required; `Buffers`, `Cached` and `SReclaimable` default to 0; `MemAvailable` is not used.
    /// Values are `kB` lines (×1024); a line without a unit is taken as bytes.
    /// Returns `nil` when `MemTotal` or `MemFree` is missing or malformed.
    public static func memory(meminfo: String) -> (total: UInt64, used: UInt64)? {
        var fields: [Substring: UInt64] = [:]
        for line in meminfo.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            guard key == "MemTotal" || key == "MemFree" || key == "Buffers" || key == "Cached"
                || key == "SReclaimable"
            else { continue }
            let parts = line[line.index(after: colon)...].split(separator: " ", omittingEmptySubsequences: true)
            guard let number = parts.first.flatMap({ UInt64($0) }) else { continue }
            let scale: UInt64 = parts.count > 1 && parts[1].lowercased() == "kb" ? 1024 : 1
            let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
            if !overflow, fields[key] == nil { fields[key] = bytes }
        }
        guard let total = fields["MemTotal"], let free = fields["MemFree"] else { return nil }
        let buffers = fields["Buffers"] ?? 0
        let cached = (fields["Cached"] ?? 0) &+ (fields["SReclaimable"] ?? 0)
        let psutilUsed = Int128(total) - Int128(free) - Int128(buffers) - Int128(cached)
        let used: Int128 = psutilUsed >= 0 ? psutilUsed : max(0, Int128(total) - Int128(free))
        return (total, UInt64(used))
    }
}

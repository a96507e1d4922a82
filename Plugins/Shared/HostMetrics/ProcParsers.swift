/// Pure, total parsers for the /proc text formats the sampler reads. They never trap: missing or
/// malformed input yields `nil` (or an empty array / skipped line).
public enum ProcParsers {
    /// Parses the aggregate `cpu ` line (not `cpu0`, `cpu1`, …) of /proc/stat.
    ///
    /// At least the first four counters (user nice system idle) must be present and every present
    /// counter must be a non-negative integer; later counters missing on old kernels are 0.
    /// Returns `nil` when there is no such line or it is malformed.
    public static func cpuTimes(stat: String) -> CPUTimes? {
        for line in stat.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.first == "cpu" else { continue }
            var values: [UInt64] = []
            for field in fields.dropFirst().prefix(10) {
                guard let value = UInt64(field) else { return nil }
                values.append(value)
            }
            guard values.count >= 4 else { return nil }
            values += Array(repeating: 0, count: 10 - values.count)
            return CPUTimes(
                user: values[0], nice: values[1], system: values[2], idle: values[3], iowait: values[4],
                irq: values[5], softirq: values[6], steal: values[7], guest: values[8], guestNice: values[9])
        }
        return nil
    }

    /// Parses /proc/uptime (`"12345.67 98765.43"`): the host uptime in whole seconds (the first
    /// field, truncated toward zero). `nil` when the field is missing, negative or not a finite number.
    public static func uptimeSeconds(_ text: String) -> Int? {
        guard let first = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).first,
            let value = Double(first), value.isFinite, value >= 0, value < Double(Int.max)
        else { return nil }
        return Int(value)
    }
}

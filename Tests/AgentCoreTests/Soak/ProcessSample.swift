import Foundation

/// One reading of a process's footprint from /proc: resident, proportional and private memory,
/// open file descriptors and threads. Read-only; needs the right to read the process's /proc entries (root,
/// or the same uid).
struct ProcessSample: Sendable, Equatable {
    /// `VmRSS` of /proc/PID/status, KiB.
    var rssKiB: Int
    /// `Pss` of /proc/PID/smaps_rollup, KiB (shared pages split between the processes mapping them).
    var pssKiB: Int
    /// `Private_Dirty` of /proc/PID/smaps_rollup, KiB: pages this process wrote and alone holds
    /// (heap, stacks, written data), where a leak shows. Clean pages are left out: a library page
    /// shared with another process becomes "private clean" the moment that process ends (a
    /// one-pass run saw +10 MiB of Private_Clean in 5 s with RSS flat), and PSS moves likewise.
    var privateKiB: Int
    /// Entries of /proc/PID/fd.
    var fds: Int
    /// `Threads` of /proc/PID/status.
    var threads: Int

    /// Reads the process `pid`; nil when it is gone or a field is missing (a zombie has no VmRSS).
    static func read(pid: Int32) -> ProcessSample? {
        guard pid > 0,
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let rss = field(status, "VmRSS:"), let threads = field(status, "Threads:"),
            let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
            let pss = field(rollup, "Pss:"), let dirty = field(rollup, "Private_Dirty:"),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        return ProcessSample(rssKiB: rss, pssKiB: pss, privateKiB: dirty, fds: fds.count, threads: threads)
    }

    /// The first integer after `key` at the start of a line (`VmRSS:\t    1234 kB` → 1234).
    static func field(_ text: String, _ key: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return Int(line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}

/// A timed pair of samples: the agent's and the sidecar's, `t` seconds into the soak window.
struct SoakSample: Sendable {
    var t: Double
    var agent: ProcessSample
    var sidecar: ProcessSample
}

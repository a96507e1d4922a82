import Foundation

/// One reading of a process's footprint from /proc: resident, proportional and private memory,
/// open file descriptors and threads. Read-only; needs the right to read the process's /proc entries (root,
/// or the same uid).
struct ProcessSample: Sendable, Equatable {
    /// `VmRSS` of /proc/PID/status, KiB.
    var rssKiB: Int
    /// `Pss` of /proc/PID/smaps_rollup, KiB (shared pages split between the processes mapping them).
    var pssKiB: Int
    /// `Private_Clean` + `Private_Dirty` of /proc/PID/smaps_rollup, KiB: the pages only this
    /// process maps. Unlike PSS it does not move when other processes that share its libraries
    /// start or end, so it is the memory figure a leak shows in.
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
            let pss = field(rollup, "Pss:"), let clean = field(rollup, "Private_Clean:"), let dirty = field(rollup, "Private_Dirty:"),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        return ProcessSample(rssKiB: rss, pssKiB: pss, privateKiB: clean + dirty, fds: fds.count, threads: threads)
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

import HostMetrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few files the self-upgrade reads: `/proc/self/mountinfo` (which container am I) and the
/// helper's `<state_dir>/upgrade/last.json`, renamed to `last.reported.json` once reported.
enum UpgradeFiles {
    /// Upper bound on what is read.
    static let maxBytes = 1 << 20

    /// The file's bytes (at most ``maxBytes``), or nil when it cannot be opened or read.
    static func contents(of path: String) -> [UInt8]? { ProcFile.bytes(of: path, limit: maxBytes) }

    /// Renames `from` to `to`; false when it failed.
    @discardableResult
    static func move(_ from: String, to: String) -> Bool { rename(from, to) == 0 }

    /// `<state_dir>/upgrade/last.json`.
    static func lastPath(stateDirectory: String) -> String { stateDirectory + "/upgrade/last.json" }

    /// `<state_dir>/upgrade/last.reported.json`.
    static func reportedPath(stateDirectory: String) -> String { stateDirectory + "/upgrade/last.reported.json" }
}

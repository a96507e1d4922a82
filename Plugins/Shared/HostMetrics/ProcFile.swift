#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small files such as /proc entries with plain open/read/close (procfs reports size 0,
/// so the file is read until EOF rather than by its stat size). Shared by the plugins that link
/// HostMetrics (the vPLC plugin reads mountinfo, lease and upgrade files with it).
public enum ProcFile {
    /// Upper bound on what is read, to stay bounded on odd input (/proc/stat on a 1024-CPU box is
    /// ~150 KiB).
    public static let maxBytes = 4 * 1024 * 1024

    /// The file's bytes (at most `limit`), or `nil` when it cannot be opened or read.
    public static func bytes(of path: String, limit: Int = maxBytes) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress, buffer.count)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// The file's contents decoded as UTF-8 (invalid sequences repaired), or `nil` when it cannot be
    /// opened or read.
    public static func contents(of path: String) -> String? {
        bytes(of: path).map { String(decoding: $0, as: UTF8.self) }
    }
}

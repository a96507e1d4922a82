#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small files such as /proc entries with plain open/read/close (procfs reports size 0,
/// so the file is read until EOF rather than by its stat size).
enum ProcFile {
    /// Upper bound on what is read, to stay bounded on odd input (/proc/stat on a 1024-CPU box is
    /// ~150 KiB).
    static let maxBytes = 4 * 1024 * 1024

    /// The file's contents decoded as UTF-8 (invalid sequences repaired), or `nil` when it cannot be
    /// opened or read.
    static func contents(of path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < maxBytes {
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
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Reads a small text file (certificate, proxy credentials) and, when it cannot, says why in the
/// system's words ("No such file or directory", "Permission denied"), where Foundation's readers
/// say `NSCocoaErrorDomain Code=260 …` on Linux. The plugin cannot use the core's reader.
enum FileText {
    /// What reading a file gave.
    enum Outcome {
        /// The file's text (UTF-8, invalid sequences repaired).
        case text(String)
        /// Why the file could not be read, in plain words.
        case unreadable(String)
    }

    /// Reads at most `limit` bytes of the file at `path`.
    static func read(_ path: String, limit: Int = 1 << 20) -> Outcome {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { return .text(String(decoding: bytes, as: UTF8.self)) }
            bytes += chunk[..<n]
            if bytes.count > limit { return .unreadable("larger than \(limit) bytes") }
        }
    }
}

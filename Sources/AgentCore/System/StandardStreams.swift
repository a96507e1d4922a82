#if canImport(Glibc)
import Glibc
#endif

/// The process's standard input and error as plain file descriptors: unbuffered writes to
/// stderr (one `write(2)` loop per call, as Foundation's `FileHandle.standardError.write` did)
/// and a whole read of stdin, without Foundation.
public enum StandardStreams {
    /// Writes `text` to stderr at once (no buffering; interleaves with other writers line by
    /// line). A failed write is dropped: stderr is where failures would be reported.
    public static func writeError(_ text: String) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            done += n
        }
    }

    /// Everything on stdin until its end (what was read so far when a read fails).
    public static func readInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return bytes }
            bytes += chunk[..<n]
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads whose failure reads in plain words ("No such file or directory",
/// "Permission denied", "Is a directory"), where Foundation's readers say
/// `NSCocoaErrorDomain Code=260 …` on Linux.
public enum FileBytes {
    /// The bytes of the file at `path` (at most `limit` bytes).
    /// - Throws: ``AgentCoreError`` with `code`: "cannot read \(what) '\(path)': <reason>", the
    ///   reason being the system's words for the error (`strerror`), or "larger than N bytes".
    public static func read(_ path: String, what: String, code: AgentCoreError.Code, limit: Int = 16 << 20)
        throws(AgentCoreError) -> [UInt8]
    {
        func failure(_ reason: String) -> AgentCoreError { AgentCoreError(code, "cannot read \(what) '\(path)': \(reason)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            if n == 0 { return bytes }
            bytes += chunk[..<n]
            guard bytes.count <= limit else { throw failure("larger than \(limit) bytes") }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import NetmonCore

/// Plain-text log lines on stderr: `<UTC time> <level> <message>`, no colour, one write(2) per
/// line so lines from worker threads never interleave.
enum Log {
    nonisolated(unsafe) static var level: NetmonOptions.LogLevel = .info

    static func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    static func info(_ message: @autoclosure () -> String) { write(.info, message) }
    static func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    static func error(_ message: @autoclosure () -> String) { write(.error, message) }

    private static func write(_ l: NetmonOptions.LogLevel, _ message: () -> String) {
        guard l >= level else { return }
        var line = Array("\(Clock.timestamp()) \(l.name) \(message())".utf8)
        for i in line.indices where line[i] == UInt8(ascii: "\n") { line[i] = UInt8(ascii: " ") }
        line.append(UInt8(ascii: "\n"))
        line.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + off, raw.count - off)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                off += n
            }
        }
    }
}

/// `strerror` text of an errno (positive or negative).
func errnoText(_ e: Int32) -> String { String(cString: strerror(abs(e))) }

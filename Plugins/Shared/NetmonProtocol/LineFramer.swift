/// Splits a byte stream into newline-terminated lines (NDJSON), with a bound on line length so a
/// peer that never sends a newline cannot grow memory without limit.
public struct LineFramer: Sendable {
    /// What one chunk of input produced.
    public enum Item: Sendable, Equatable {
        /// A complete line without its `\n` (a trailing `\r` is dropped too).
        case line([UInt8])
        /// A line longer than ``maxLineBytes``: its bytes were discarded up to the next newline.
        case tooLong
    }

    /// The longest accepted line in bytes (without the newline).
    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var discarding = false

    /// - Parameter maxLineBytes: default 1 MiB.
    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Feeds bytes; answers the complete lines (and overflow markers) in order.
    public mutating func feed<C: Collection>(_ bytes: C) -> [Item] where C.Element == UInt8 {
        var out: [Item] = []
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                if discarding {
                    discarding = false
                } else {
                    if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
                    out.append(.line(buffer))
                }
                buffer.removeAll(keepingCapacity: buffer.count <= 4096)
                continue
            }
            if discarding { continue }
            buffer.append(b)
            if buffer.count > maxLineBytes {
                buffer.removeAll(keepingCapacity: false)
                discarding = true
                out.append(.tooLong)
            }
        }
        return out
    }

    /// Bytes held of an unfinished line.
    public var pendingBytes: Int { buffer.count }
}

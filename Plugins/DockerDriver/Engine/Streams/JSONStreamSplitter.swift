import ContainerEngineSupport
/// Splits a byte stream of concatenated JSON documents (Docker's event and progress streams)
/// into whole documents, whatever the chunking: a document may be split across chunks, a chunk
/// may hold several, and documents may or may not be separated by newlines.
///
/// It tracks nesting depth, strings and escapes only; the documents it returns still have to be
/// parsed. Only objects and arrays are expected at top level.
public struct JSONStreamSplitter: Sendable {
    private var buffer: [UInt8] = []
    private var scan = 0  // next byte of `buffer` to look at
    private var start: Int?  // where the current document began
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The largest document accepted.
    public let maxDocumentBytes: Int

    public init(maxDocumentBytes: Int = 1 << 20) { self.maxDocumentBytes = maxDocumentBytes }

    /// Whether part of a document is buffered (the stream must not end here).
    public var hasPartialDocument: Bool { start != nil }

    /// Feeds a chunk and returns the documents it completed, in order.
    /// - Throws: `engine_bad_response` for bytes outside a document that are not whitespace, or a
    ///   document larger than ``maxDocumentBytes``.
    public mutating func append(_ chunk: [UInt8]) throws(DockerEngineError) -> [[UInt8]] {
        buffer += chunk
        var documents: [[UInt8]] = []
        while scan < buffer.count {
            let b = buffer[scan]
            if start == nil {
                switch b {
                case 0x20, 0x0A, 0x0D, 0x09: break
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    start = scan
                    depth = 1
                default:
                    throw DockerEngineError(.engineBadResponse, "unexpected byte 0x\(String(b, radix: 16)) between JSON documents")
                }
            } else if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0, let s = start {
                        documents.append(Array(buffer[s...scan]))
                        start = nil
                    }
                default: break
                }
            }
            scan += 1
        }
        // Drop what is consumed: everything before the open document, or all of it.
        let keepFrom = start ?? buffer.count
        if keepFrom > 0 {
            buffer.removeFirst(keepFrom)
            scan -= keepFrom
            start = start.map { $0 - keepFrom }
        }
        if buffer.count > maxDocumentBytes {
            throw DockerEngineError(.engineBadResponse, "a JSON document in the stream exceeds \(maxDocumentBytes) bytes")
        }
        return documents
    }
}

/// One HTTP/1.1 request, as the caller wants it on the wire.
///
/// The client adds `Host` (when absent), `Connection: close` and, when there is a body or the
/// method usually carries one (POST, PUT, PATCH), `Content-Length`; it replaces any
/// `Content-Length`, `Transfer-Encoding` or `Connection` field the caller set. Everything else is
/// sent as given, in order.
public struct HTTP1Request: Sendable {
    /// The method, sent verbatim: `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`, `OPTIONS`, or
    /// any other token.
    public var method: String
    /// The request target: an absolute path with an optional query, e.g. `/v1.41/containers/json?all=1`.
    /// Sent verbatim, so percent-encode it yourself.
    public var target: String
    /// The header fields.
    public var headers: HTTP1Headers
    /// The body.
    public var body: HTTP1RequestBody

    public init(method: String, target: String, headers: HTTP1Headers = [:], body: HTTP1RequestBody = .none) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }
}

/// The body of an ``HTTP1Request``, always sent with a `Content-Length`.
public enum HTTP1RequestBody: Sendable {
    /// No body.
    case none
    /// These bytes.
    case bytes([UInt8])
    /// Exactly `length` bytes produced by `chunks` (e.g. a file read in pieces). The client awaits
    /// each chunk's write before asking for the next, so memory stays bounded. The request fails
    /// with `request_body_failed` when the sequence throws or yields a different total.
    case stream(length: Int, chunks: HTTP1BodyStream)

    /// The declared length in bytes.
    public var length: Int {
        switch self {
        case .none: return 0
        case .bytes(let b): return b.count
        case .stream(let length, _): return length
        }
    }
}

/// Any async sequence of byte chunks, type-erased, as the body of a ``HTTP1RequestBody/stream(length:chunks:)``.
/// Each iteration starts the underlying sequence afresh.
public struct HTTP1BodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    private let make: @Sendable () -> AsyncIterator

    /// Wraps `base` (e.g. an `AsyncStream<[UInt8]>` or a file reader).
    public init<Base: AsyncSequence & Sendable>(_ base: Base) where Base.Element == [UInt8] {
        make = { AsyncIterator(IteratorBox(base.makeAsyncIterator())) }
    }

    public func makeAsyncIterator() -> AsyncIterator { make() }

    /// The iterator; use it from one task.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let box: any ChunkIterating

        fileprivate init(_ box: any ChunkIterating) { self.box = box }

        public mutating func next() async throws -> [UInt8]? { try await box.nextChunk() }
    }
}

private protocol ChunkIterating: AnyObject {
    func nextChunk() async throws -> [UInt8]?
}

private final class IteratorBox<Base: AsyncIteratorProtocol>: ChunkIterating where Base.Element == [UInt8] {
    private var base: Base
    init(_ base: Base) { self.base = base }
    func nextChunk() async throws -> [UInt8]? { try await base.next() }
}

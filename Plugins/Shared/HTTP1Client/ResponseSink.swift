import NIOCore

/// Receives the parts of one response, on the channel's event loop (not `Sendable`: it never
/// leaves the loop). Exactly one of ``end()`` or ``fail(_:)`` is called, once, last.
protocol ResponseSink: AnyObject {
    /// The head arrived. Returning an error aborts the exchange with it.
    func head(_ head: HTTP1ResponseHead) -> HTTPClientError?
    /// A body piece arrived. Returning an error aborts the exchange with it.
    func body(_ bytes: [UInt8]) -> HTTPClientError?
    /// The response is complete.
    func end()
    /// The exchange failed.
    func fail(_ error: HTTPClientError)
}

/// Collects a whole response into a promise (``HTTP1Client/send(_:timeout:maxBody:)``).
final class BufferedSink: ResponseSink {
    private let promise: EventLoopPromise<HTTP1Response>
    private let maxBody: Int
    private var head: HTTP1ResponseHead?
    private var bytes: [UInt8] = []

    init(promise: EventLoopPromise<HTTP1Response>, maxBody: Int) {
        self.promise = promise
        self.maxBody = maxBody
    }

    func head(_ head: HTTP1ResponseHead) -> HTTPClientError? {
        self.head = head
        if let declared = head.headers["Content-Length"].flatMap({ Int($0) }), declared > maxBody {
            return HTTPClientError(.bodyTooLarge, "the response declares \(declared) body bytes, more than the limit of \(maxBody)")
        }
        return nil
    }

    func body(_ piece: [UInt8]) -> HTTPClientError? {
        guard bytes.count + piece.count <= maxBody else {
            return HTTPClientError(.bodyTooLarge, "the response body exceeds the limit of \(maxBody) bytes")
        }
        bytes += piece
        return nil
    }

    func end() {
        guard let head else {
            promise.fail(HTTPClientError(.badResponse, "the response ended without a head"))
            return
        }
        promise.succeed(HTTP1Response(head: head, body: bytes))
    }

    func fail(_ error: HTTPClientError) { promise.fail(error) }
}

/// Hands the head to a promise and the body pieces to a stream
/// (``HTTP1Client/stream(_:headTimeout:totalTimeout:)``).
final class StreamingSink: ResponseSink {
    private let headPromise: EventLoopPromise<HTTP1ResponseHead>
    private let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

    init(headPromise: EventLoopPromise<HTTP1ResponseHead>, continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation) {
        self.headPromise = headPromise
        self.continuation = continuation
    }

    func head(_ head: HTTP1ResponseHead) -> HTTPClientError? {
        headPromise.succeed(head)
        return nil
    }

    func body(_ bytes: [UInt8]) -> HTTPClientError? {
        continuation.yield(bytes)
        return nil
    }

    func end() {
        headPromise.fail(HTTPClientError(.badResponse, "the response ended without a head"))  // no-op after a head
        continuation.finish()
    }

    func fail(_ error: HTTPClientError) {
        headPromise.fail(error)  // no-op once the head arrived
        continuation.finish(throwing: error)
    }
}

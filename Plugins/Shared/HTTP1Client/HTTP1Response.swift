/// The status line and header fields of a response.
public struct HTTP1ResponseHead: Sendable, Equatable {
    /// The status code, e.g. 200.
    public var status: Int
    /// The reason phrase as sent (may be empty).
    public var reason: String
    /// The header fields, in received order and case.
    public var headers: HTTP1Headers

    public init(status: Int, reason: String = "", headers: HTTP1Headers = [:]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A complete, buffered response (see ``HTTP1Client/send(_:timeout:maxBody:)``).
public struct HTTP1Response: Sendable, Equatable {
    /// Status and header fields.
    public var head: HTTP1ResponseHead
    /// The whole body (de-chunked).
    public var body: [UInt8]

    public init(head: HTTP1ResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// The status code.
    public var status: Int { head.status }
    /// The header fields.
    public var headers: HTTP1Headers { head.headers }
    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body is still arriving (see ``HTTP1Client/stream(_:headTimeout:totalTimeout:)``).
///
/// `body` yields the de-chunked body in the pieces it arrives in and finishes when the response
/// is complete; it throws ``HTTPClientError`` when the connection breaks or the total deadline
/// passes. Stopping the iteration (or dropping the stream) closes the connection. The stream has
/// no backpressure: what the peer sends is buffered until read, so use it for bodies the reader
/// keeps up with (event streams, progress lines) and ``HTTP1Client/send(_:timeout:maxBody:)``
/// with a `maxBody` otherwise.
public struct HTTP1StreamingResponse: Sendable {
    /// Status and header fields.
    public let head: HTTP1ResponseHead
    /// The body pieces; each error thrown is an ``HTTPClientError``.
    public let body: AsyncThrowingStream<[UInt8], any Error>

    public init(head: HTTP1ResponseHead, body: AsyncThrowingStream<[UInt8], any Error>) {
        self.head = head
        self.body = body
    }

    /// Reads the rest of the body into memory, up to `maxBody` bytes.
    /// - Throws: ``HTTPClientError`` (`body_too_large` past `maxBody`).
    public func collect(maxBody: Int) async throws(HTTPClientError) -> [UInt8] {
        var out: [UInt8] = []
        do {
            for try await chunk in body {
                guard out.count + chunk.count <= maxBody else {
                    throw HTTPClientError(.bodyTooLarge, "the response body exceeds \(maxBody) bytes")
                }
                out += chunk
            }
        } catch {
            throw HTTPClientError.from(error)
        }
        return out
    }
}

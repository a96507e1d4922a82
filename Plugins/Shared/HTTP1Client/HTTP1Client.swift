import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client on SwiftNIO: one connection per request (`Connection: close`), to a
/// unix domain socket or a TCP endpoint, with an optional TLS layer supplied by the caller.
///
/// Every request has a deadline; cancelling the calling task closes the connection and fails
/// the call with `cancelled`. Failures are always ``HTTPClientError``s with a stable code.
/// The client is a value and `Sendable`; use it from any task, concurrently.
///
/// ```swift
/// let docker = HTTP1Client(target: .unixSocket(path: "/var/run/docker.sock"))
/// let r = try await docker.send(HTTP1Request(method: "GET", target: "/version"), timeout: .seconds(5))
/// ```
///
/// TLS: pass `tls`, a hook that adds the TLS handler (e.g. NIOSSL's `NIOSSLClientHandler`)
/// to the fresh channel's pipeline with `channel.pipeline.syncOperations.addHandler(…)`. It runs
/// on the channel's event loop before the HTTP handlers are added, so the TLS handler sits first.
/// The client itself does not link any TLS library. A `.stream` request body works with TLS too.
public struct HTTP1Client: Sendable {
    /// Adds handlers (typically TLS) to a fresh channel before the HTTP codec. Runs on the
    /// channel's event loop; throwing fails the request with `connect_failed`.
    public typealias ChannelHook = @Sendable (any Channel) throws -> Void

    /// Where requests go.
    public let target: HTTP1Target
    private let group: any EventLoopGroup
    private let tls: ChannelHook?

    /// - Parameters:
    ///   - target: the socket path or TCP endpoint.
    ///   - eventLoopGroup: where connections live; by default NIO's process-wide singleton.
    ///   - tls: the optional TLS hook (see the type's documentation).
    public init(
        target: HTTP1Target, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tls: ChannelHook? = nil
    ) {
        self.target = target
        self.group = eventLoopGroup
        self.tls = tls
    }

    /// Sends `request` and buffers the whole response.
    ///
    /// - Parameters:
    ///   - timeout: the deadline for everything: connecting, sending, and receiving the whole response.
    ///   - maxBody: the largest body accepted; a larger one fails with `body_too_large`.
    /// - Returns: the response, whatever its status (a 404 is a response, not an error).
    /// - Throws: ``HTTPClientError``: `connect_failed`, `timeout`, `connection_closed`,
    ///   `body_too_large`, `bad_response`, `request_body_failed`, `cancelled`.
    public func send(_ request: HTTP1Request, timeout: Duration, maxBody: Int = 16 << 20) async throws(HTTPClientError)
        -> HTTP1Response
    {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let loop = group.next()
        let promise = loop.makePromise(of: HTTP1Response.self)
        let control = ExchangeControl()
        do {
            return try await withTaskCancellationHandler {
                try await run(request, on: loop, deadline: deadline, control: control, failing: { promise.fail($0) }) {
                    ExchangeHandler(sink: BufferedSink(promise: promise, maxBody: maxBody), headDeadline: deadline, totalDeadline: deadline)
                }
                return try await promise.futureResult.get()
            } onCancel: {
                control.abort(HTTPClientError(.cancelled, "the request was cancelled"))
            }
        } catch {
            // A cancelled task fails with `cancelled` even when the connection's close (which the
            // cancellation caused) reached the handler first.
            if Task.isCancelled { throw HTTPClientError(.cancelled, "the request was cancelled") }
            throw HTTPClientError.from(error)
        }
    }

    /// Sends `request` and returns as soon as the response head arrived; the body is read from
    /// the returned stream (see ``HTTP1StreamingResponse``). Use it for long or endless bodies:
    /// image pull progress, event streams.
    ///
    /// - Parameters:
    ///   - headTimeout: the deadline for connecting, sending and receiving the head.
    ///   - totalTimeout: the deadline for the whole exchange, counted from now; nil for none
    ///     (the body runs until the peer ends it or the reader stops).
    /// - Throws: ``HTTPClientError`` for failures before the head; later ones come from the stream.
    public func stream(_ request: HTTP1Request, headTimeout: Duration, totalTimeout: Duration? = nil)
        async throws(HTTPClientError) -> HTTP1StreamingResponse
    {
        let now = NIODeadline.now()
        let headDeadline = now + TimeAmount(headTimeout)
        let totalDeadline = totalTimeout.map { now + TimeAmount($0) }
        let loop = group.next()
        let headPromise = loop.makePromise(of: HTTP1ResponseHead.self)
        let (body, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let control = ExchangeControl()
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            control.abort(HTTPClientError(.cancelled, "the reader stopped reading the body"))
        }
        do {
            let head = try await withTaskCancellationHandler {
                try await run(
                    request, on: loop, deadline: headDeadline, control: control,
                    failing: { headPromise.fail($0); continuation.finish(throwing: $0) }
                ) {
                    ExchangeHandler(
                        sink: StreamingSink(headPromise: headPromise, continuation: continuation),
                        headDeadline: headDeadline, totalDeadline: totalDeadline)
                }
                return try await headPromise.futureResult.get()
            } onCancel: {
                control.abort(HTTPClientError(.cancelled, "the request was cancelled"))
            }
            return HTTP1StreamingResponse(head: head, body: body)
        } catch {
            throw HTTPClientError.from(error)
        }
    }

    // MARK: connection and request

    /// Connects, installs the handlers and writes the request. The response arrives through the
    /// handler's sink; a failure before the handler exists is reported through `failing`.
    private func run(
        _ request: HTTP1Request, on loop: any EventLoop, deadline: NIODeadline, control: ExchangeControl,
        failing: @escaping @Sendable (HTTPClientError) -> Void,
        makeHandler: @escaping @Sendable () -> ExchangeHandler
    ) async throws(HTTPClientError) {
        let channel: any Channel
        do {
            channel = try await connect(on: loop, deadline: deadline, makeHandler: makeHandler)
        } catch {
            failing(error)
            throw error
        }
        if let aborted = control.attach(channel) {
            // Cancelled while connecting. The handler may already have a better reason (its
            // deadline); the promise keeps whichever came first.
            channel.close(promise: nil)
            failing(aborted)
            return
        }
        await write(request, on: channel, control: control)
    }

    private func connect(on loop: any EventLoop, deadline: NIODeadline, makeHandler: @escaping @Sendable () -> ExchangeHandler)
        async throws(HTTPClientError) -> any Channel
    {
        let remaining = deadline - NIODeadline.now()
        guard remaining > .zero else { throw HTTPClientError(.timeout, "the deadline passed before connecting") }
        let tls = self.tls
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(remaining)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try tls(channel) }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
        do {
            switch target {
            case .unixSocket(let path): return try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port): return try await bootstrap.connect(host: host, port: port).get()
            }
        } catch ChannelError.connectTimeout {
            throw HTTPClientError(.timeout, "connecting to \(target) did not finish within the deadline")
        } catch {
            throw HTTPClientError(.connectFailed, "cannot connect to \(target)", cause: String(describing: error))
        }
    }

    /// Writes head, body and end. Write failures abort the exchange (the handler reports them).
    private func write(_ request: HTTP1Request, on channel: any Channel, control: ExchangeControl) async {
        let onFailure: @Sendable (any Error) -> Void = { error in
            control.abort(HTTPClientError(.connectionClosed, "sending the request failed", cause: String(describing: error)))
        }
        channel.write(HTTPClientRequestPart.head(requestHead(request))).whenFailure(onFailure)
        switch request.body {
        case .none:
            break
        case .bytes(let bytes):
            if !bytes.isEmpty {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: bytes)))).whenFailure(onFailure)
            }
        case .stream(let length, let chunks):
            channel.flush()
            guard await pump(chunks, length: length, to: channel, control: control) else { return }
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure(onFailure)
    }

    /// Streams a request body, awaiting each write. False when the exchange was aborted.
    private func pump(_ chunks: HTTP1BodyStream, length: Int, to channel: any Channel, control: ExchangeControl) async -> Bool {
        var sent = 0
        var iterator = chunks.makeAsyncIterator()
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await iterator.next()
            } catch {
                control.abort(HTTPClientError(.requestBodyFailed, "the request body failed", cause: String(describing: error)))
                return false
            }
            guard let chunk else { break }
            sent += chunk.count
            guard sent <= length else { break }
            do {
                try await channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: chunk)))).get()
            } catch {
                control.abort(HTTPClientError(.connectionClosed, "sending the request body failed", cause: String(describing: error)))
                return false
            }
        }
        guard sent == length else {
            control.abort(HTTPClientError(.requestBodyFailed, "the request body yielded \(sent) bytes or more, not the declared \(length)"))
            return false
        }
        return true
    }

    /// The wire head: the caller's fields plus Host, Connection and Content-Length.
    private func requestHead(_ request: HTTP1Request) -> HTTPRequestHead {
        var fields = request.headers
        for name in ["Connection", "Content-Length", "Transfer-Encoding"] { fields.remove(name: name) }
        if !fields.contains("Host") { fields.add(name: "Host", value: target.defaultHostHeader) }
        fields.add(name: "Connection", value: "close")
        let method = request.method.uppercased()
        if request.body.length > 0 || ["POST", "PUT", "PATCH"].contains(method) {
            fields.add(name: "Content-Length", value: String(request.body.length))
        }
        var headers = HTTPHeaders()
        for f in fields { headers.add(name: f.name, value: f.value) }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.target, headers: headers)
    }
}

import AgentPluginKit
import NIOCore
import NIOHTTP1

/// One HTTP exchange of Engine.IO long-polling, each on its own connection (`Connection: close`,
/// as the Python agent's aiohttp session with `force_close`): connect through the
/// ``CloudConnector`` (proxy, TLS, identity), send, read the whole answer, close.
struct PollingRequester: Sendable {
    let connector: CloudConnector
    /// The Engine.IO path, e.g. `/socket.io/`.
    let path: String
    /// The largest response body accepted.
    let maxBody: Int

    struct Response: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// Sends one request and returns the answer, whatever its status. Cancelling the calling task
    /// closes the connection.
    /// - Throws: the connector's ``LinkFailure``s, `connect_timeout` after `timeout`,
    ///   `polling_failed` for a body over `maxBody` or a broken answer, `link_closed`.
    func send(method: HTTPMethod, query: String, body: [UInt8]? = nil, timeout: TimeAmount) async throws(PluginError) -> Response {
        let channel = try await connector.connect()
        let answer = channel.eventLoop.makePromise(of: Response.self)
        // Completed whatever happens: a closing channel fails it (a no-op once it succeeded).
        channel.closeFuture.whenComplete { _ in answer.fail(LinkFailure.closed("the connection closed before the answer")) }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            answer.fail(LinkFailure.timeout("a long-polling \(method) request"))
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: connector.authority)
        headers.add(name: "Accept", value: "*/*")
        headers.add(name: "Connection", value: "close")
        if let body {
            headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path + "?" + query, headers: headers)
        let maxBody = self.maxBody
        do {
            return try await withTaskCancellationHandler {
                try await channel.eventLoop.submit {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHTTPClientHandlers()
                    try ops.addHandler(ResponseCollector(answer, maxBody: maxBody))
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                }.get()
                return try await answer.futureResult.get()
            } onCancel: {
                answer.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch let error as PluginError {
            answer.fail(error)  // no promise left pending (ignored when completed)
            throw error
        } catch {
            answer.fail(error)
            throw LinkFailure.closed("a long-polling \(method) request failed: \(error)")
        }
    }
}

/// Collects one response (head and body up to a limit).
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<PollingRequester.Response>
    private let maxBody: Int
    private var status = 0
    private var body: [UInt8] = []

    init(_ promise: EventLoopPromise<PollingRequester.Response>, maxBody: Int) {
        self.promise = promise
        self.maxBody = maxBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let chunk):
            guard body.count + chunk.readableBytes <= maxBody else {
                promise.fail(LinkFailure.polling("a response body over \(maxBody) bytes"))
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            promise.succeed(.init(status: status, body: body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(LinkFailure.polling("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(LinkFailure.closed("the cloud closed the connection before the whole answer"))
        context.fireChannelInactive()
    }
}

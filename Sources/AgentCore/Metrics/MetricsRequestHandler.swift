import NIOCore
import NIOHTTP1

/// One connection of the metrics endpoint: answers its first request — `GET /metrics` (any
/// query) with `body()`, anything else 404, a head over the limit 431 — with `Connection: close`,
/// then half-closes and lets the client's end (or a short bound) close the connection, so that
/// bytes the client still sends cannot reset it before the reply is read. A client that has not
/// been answered within ``MetricsHTTPServer/ioTimeout`` is disconnected.
final class MetricsRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body: @Sendable () -> [UInt8]
    private var answered = false
    private var timeout: Scheduled<Void>?

    init(body: @escaping @Sendable () -> [UInt8]) { self.body = body }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timeout = context.eventLoop.scheduleTask(in: MetricsHTTPServer.ioTimeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timeout?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first
        if head.method == .GET, path == "/metrics" {
            reply(context, .ok, body(), contentType: MetricsHTTPServer.contentType)
        } else {
            reply(context, .notFound, Array("not found: only GET /metrics is served here\n".utf8))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestHeadLimit.TooLarge else { return context.fireUserInboundEventTriggered(event) }
        reply(context, .requestHeaderFieldsTooLarge, Array("request too large\n".utf8))
    }

    /// A request the decoder cannot read is answered like any request that is not `GET /metrics`.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply(context, .notFound, Array("not found: only GET /metrics is served here\n".utf8))
    }

    private func reply(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ bytes: [UInt8],
        contentType: String = "text/plain; charset=utf-8"
    ) {
        guard !answered else { return }
        answered = true
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .milliseconds(500)) { channel.close(promise: nil) }
        }
    }
}

import NIOCore
import NIOHTTP1

/// Sent down the pipeline (from any thread) to end an exchange early: the task was cancelled,
/// the body stream was dropped, or writing the request failed.
struct AbortExchange: Sendable {
    let error: HTTPClientError
}

/// The last handler of a client pipeline: feeds one response to its ``ResponseSink``, enforces
/// the deadlines, and closes the channel when the exchange is over (one request per connection).
final class ExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var sink: (any ResponseSink)?  // nil once the exchange is over
    private let headDeadline: NIODeadline
    private let totalDeadline: NIODeadline?
    private var timers: [Scheduled<Void>] = []
    private var sawHead = false
    private var inInformational = false  // inside a 1xx response, which precedes the real one

    init(sink: any ResponseSink, headDeadline: NIODeadline, totalDeadline: NIODeadline?) {
        self.sink = sink
        self.headDeadline = headDeadline
        self.totalDeadline = totalDeadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        timers.append(
            loop.scheduleTask(deadline: headDeadline) { [self] in
                guard !sawHead else { return }
                finish(.failure(HTTPClientError(.timeout, "no response within the deadline")), context: context)
            })
        if let totalDeadline {
            timers.append(
                loop.scheduleTask(deadline: totalDeadline) { [self] in
                    finish(.failure(HTTPClientError(.timeout, "the response was not complete within the deadline")), context: context)
                })
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(HTTPClientError(.connectionClosed, "the connection closed before the response was complete")), context: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            let code = Int(h.status.code)
            if (100..<200).contains(code), code != 101 {
                inInformational = true
                return
            }
            sawHead = true
            var headers = HTTP1Headers()
            for field in h.headers { headers.add(name: field.name, value: field.value) }
            let head = HTTP1ResponseHead(status: code, reason: h.status.reasonPhrase, headers: headers)
            if let error = sink?.head(head) { finish(.failure(error), context: context) }
        case .body(var buffer):
            guard !inInformational else { return }
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            if let error = sink?.body(bytes) { finish(.failure(error), context: context) }
        case .end:
            if inInformational {
                inInformational = false
                return
            }
            finish(.success(()), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: HTTPClientError
        if let parse = error as? HTTPParserError {
            failure =
                parse == .invalidEOFState
                ? HTTPClientError(.connectionClosed, "the connection closed in the middle of the response")
                : HTTPClientError(.badResponse, "the peer's answer is not valid HTTP/1.1", cause: String(describing: parse))
        } else {
            failure = HTTPClientError(.connectionClosed, "the connection broke", cause: String(describing: error))
        }
        finish(.failure(failure), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(HTTPClientError(.connectionClosed, "the peer closed the connection before the response was complete")), context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let abort = event as? AbortExchange {
            finish(.failure(abort.error), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Ends the exchange once: tells the sink, cancels the timers, closes the channel.
    private func finish(_ result: Result<Void, HTTPClientError>, context: ChannelHandlerContext?) {
        guard let sink else { return }
        self.sink = nil
        for t in timers { t.cancel() }
        timers = []
        switch result {
        case .success: sink.end()
        case .failure(let error): sink.fail(error)
        }
        context?.close(promise: nil)
    }
}

import AgentJSON
import NIOCore

/// One admitted local-door connection (a swift-nio handler behind ``DoorLineDecoder``): answers
/// request lines one at a time and in order — the next line is read only once the previous
/// answer is written, so a client that floods lines is held back by the socket, not by memory —
/// and, after a request with `events: true`, forwards every emitted event until the peer goes
/// away. An event the peer does not take at once (the connection's write buffer is full) ends
/// the connection: a stuck client must not stall the emitters.
///
/// When the peer closes its side, the lines it sent before are still answered, then the
/// connection closes. A line too long is answered `line_too_long` after the lines before it.
final class DoorConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let origin: CommandOrigin
    let dispatcher: Dispatcher
    /// Runs the dispatches (the door's close cancels and awaits them).
    let door: DoorConnections
    private var queue: [ByteBuffer] = []
    private var busy = false
    private var inputClosed = false
    /// The last words before closing (`line_too_long`), written once the queue is answered.
    private var farewell: [UInt8]?
    private var subscription: UInt64?

    init(origin: CommandOrigin, dispatcher: Dispatcher, door: DoorConnections) {
        self.origin = origin
        self.dispatcher = dispatcher
        self.door = door
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { context.read() }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id = subscription { dispatcher.services.events.unobserve(id) }
        subscription = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        queue.append(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) { next(context) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            next(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is DoorLineDecoder.TooLong else { return context.close(promise: nil) }
        farewell = DoorMessage.error(DoorError(id: .null, "line_too_long", "a request line is at most \(DoorMessage.maxLineBytes) bytes"))
        next(context)
    }

    /// Answers queued lines until one needs the dispatcher; when nothing is left, reads more,
    /// or says farewell, or closes after the peer's end.
    private func next(_ context: ChannelHandlerContext) {
        guard !busy else { return }
        while !queue.isEmpty {
            var line = queue.removeFirst()
            guard let bytes = line.readBytes(length: line.readableBytes), !bytes.isEmpty else { continue }
            switch DoorMessage.parse(bytes) {
            case .failure(let e): write(context, DoorMessage.error(e))
            case .success(let request):
                if request.events { subscribe(context.channel) }
                dispatch(request, context)
                return
            }
        }
        if let farewell {
            self.farewell = nil
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: farewell))).whenComplete { _ in
                channel.close(promise: nil)
            }
        } else if inputClosed {
            context.close(promise: nil)
        } else {
            context.read()
        }
    }

    /// Runs one request on the concurrency pool; its answer is written back on the event loop.
    /// A client that goes away does not cancel it (the command runs to its end, as from the
    /// cloud); the door's close does.
    private func dispatch(_ request: DoorMessage.Request, _ context: ChannelHandlerContext) {
        busy = true
        let (dispatcher, origin) = (dispatcher, origin)
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        door.run {
            let response = await dispatcher.dispatch(topic: request.topic, message: request.message, origin: origin)
            loop.execute {
                let (handler, context) = bound.value
                handler.busy = false
                guard context.channel.isActive else { return }
                handler.write(context, DoorMessage.reply(id: request.id, response: response))
                handler.next(context)
            }
        }
    }

    private func subscribe(_ channel: any Channel) {
        guard subscription == nil else { return }
        subscription = dispatcher.services.events.observe { topic, payload in
            guard channel.isWritable else { return channel.close(promise: nil) }
            channel.writeAndFlush(channel.allocator.buffer(bytes: DoorMessage.event(topic: topic, payload: payload)), promise: nil)
        }
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }
}

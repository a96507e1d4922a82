import NIOCore

/// Bounds a request's head, in bytes as they arrive, in front of the HTTP decoder: once more
/// than `maxBytes` came before the head's end (`\r\n\r\n`), nothing more is passed on and
/// ``TooLarge`` goes up the pipeline (the metrics handler answers 431). After the head's end
/// every byte passes as it is.
final class RequestHeadLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The user event sent when the head is too large.
    struct TooLarge: Sendable {}

    private enum State { case head, passing, refused }

    let maxBytes: Int
    private var state = State.head
    private var seen = 0
    private var lastFour: UInt32 = 0

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing: context.fireChannelRead(data)
        case .refused: return
        case .head:
            let buffer = unwrapInboundIn(data)
            var headEnd: Int? = nil
            for (offset, byte) in buffer.readableBytesView.enumerated() {
                lastFour = (lastFour << 8) | UInt32(byte)
                if lastFour == 0x0D0A_0D0A {
                    headEnd = offset + 1
                    break
                }
            }
            seen += headEnd ?? buffer.readableBytes
            guard seen <= maxBytes else {
                state = .refused
                context.fireUserInboundEventTriggered(TooLarge())
                return
            }
            if headEnd != nil { state = .passing }
            context.fireChannelRead(data)
        }
    }
}

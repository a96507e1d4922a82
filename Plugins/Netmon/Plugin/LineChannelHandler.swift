import Logging
import NIOCore
import NetmonProtocol

/// The only handler of a sidecar connection: splits the byte stream into lines and hands each
/// one to the client at once, whatever else is going on (the reader never waits for commands —
/// upstream's startup stall, spec §12 item 1). Reports the link's start and end.
///
/// Runs on the connection's event loop; `attempt` tells the client which connection speaks.
final class LineChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let attempt: UInt64
    private let client: NetmonClient
    private var framer = LineFramer()

    init(attempt: UInt64, client: NetmonClient) {
        self.attempt = attempt
        self.client = client
    }

    func channelActive(context: ChannelHandlerContext) {
        client.linkUp(attempt: attempt, channel: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        for item in framer.feed(buffer.readableBytesView) {
            switch item {
            case .line(let line): client.received(line)
            case .tooLong: client.logger.warning("netmon sent a line longer than \(framer.maxLineBytes) bytes: skipped")
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.linkDown(attempt: attempt)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.logger.debug("netmon connection error: \(error)")
        context.close(promise: nil)
    }
}

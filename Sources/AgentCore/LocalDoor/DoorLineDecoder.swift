import NIOCore

/// The local door's framing: one request per line (`\n`), at most ``DoorMessage/maxLineBytes``
/// bytes. Empty lines are passed on too (the connection skips them); a partial line at the end
/// of the input is dropped, as it was never a request. A line that grows past the limit before
/// its newline throws ``TooLong``: the rest of it cannot be resynchronised.
struct DoorLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// A request line longer than the limit.
    struct TooLong: Error {}

    let maxLineBytes: Int

    init(maxLineBytes: Int = DoorMessage.maxLineBytes) { self.maxLineBytes = maxLineBytes }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > maxLineBytes { throw TooLong() }
            return .needMoreData
        }
        guard let line = buffer.readSlice(length: newline - buffer.readerIndex) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

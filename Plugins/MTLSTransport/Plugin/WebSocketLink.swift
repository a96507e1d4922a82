import AgentPluginKit
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Engine.IO over a WebSocket (RFC 6455) on a connection made by ``CloudConnector``.
///
/// The upgrade request is what python-socketio's client sends: `GET <path>?EIO=4&transport=websocket`
/// with `Host`, the WebSocket headers, and **no `Origin`** (a server on python-engineio's default
/// CORS policy refuses an Origin that is not its own). Frames are at most `maxFrameSize`; a
/// larger one ends the connection before its payload is read. Fragmented messages are joined;
/// WebSocket pings are answered; a close frame ends the link.
final class WebSocketLink: EngineIOLink {
    let name = "websocket"
    private let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    private let initial: [String]

    private init(channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, initial: [String]) {
        self.channel = channel
        self.initial = initial
    }

    /// Connects and upgrades to WebSocket.
    /// - Parameters:
    ///   - sid: the Engine.IO session to upgrade (from a polling handshake), or nil for a new one.
    ///     With a sid the link first runs the upgrade probe (`2probe` → `3probe`, then `5`).
    ///   - initial: packets to hand to the session before any from the socket (the polling
    ///     handshake's).
    /// - Throws: ``LinkFailure``: the connector's codes, `upgrade_refused` (with the HTTP
    ///   status), `connect_timeout`, `link_closed`.
    static func connect(
        _ connector: CloudConnector, path: String, sid: String?, initial: [String], maxFrameSize: Int, timeout: TimeAmount
    ) async throws(PluginError) -> WebSocketLink {
        let channel = try await connector.connect()
        var query = "EIO=4&transport=websocket"
        if let sid { query += "&sid=" + sid }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: connector.authority)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path + "?" + query, headers: headers)
        let opened = channel.eventLoop.makePromise(of: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>.self)
        // Whatever happens to the connection, the promise is completed: a channel that closes (the
        // peer, the deadline, the event loop shutting down at SIGTERM) fails it, a no-op once it
        // succeeded. Without this, a stop while connecting could drop it unfulfilled (a fatal
        // "leaking promise" in debug builds; a caller waiting for good in release ones).
        channel.closeFuture.whenComplete { _ in
            opened.fail(LinkFailure.closed("the connection closed during the WebSocket upgrade"))
        }
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            opened.fail(LinkFailure.timeout(sid == nil ? "the WebSocket upgrade" : "the WebSocket upgrade probe"))
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        do {
            // Cancellable: a stop while the upgrade runs closes the channel, which fails it at once.
            let link = try await withTaskCancellationHandler {
                let outcome = try await channel.eventLoop.flatSubmit {
                    Self.configure(channel, head: head, maxFrameSize: maxFrameSize, probe: sid != nil, opened: opened)
                }.get()
                switch outcome {
                case .upgraded:
                    // The probe goes out only now: until the upgrade finished, the HTTP handlers
                    // were still in the pipeline.
                    if sid != nil { channel.writeAndFlush(UpgradeProbeHandler.text("2probe"), promise: nil) }
                    return WebSocketLink(channel: try await opened.futureResult.get(), initial: initial)
                case .refused(let answer):
                    let status = try? await answer.get()  // nil: closed before a head; the refusal stands
                    opened.fail(LinkFailure.upgradeRefused(status: status, "no answer"))
                    channel.close(promise: nil)
                    throw LinkFailure.upgradeRefused(status: status, "the connection closed")
                }
            } onCancel: {
                channel.close(promise: nil)
            }
            return link
        } catch let error as PluginError {
            opened.fail(error)
            channel.close(promise: nil)
            throw error
        } catch {
            opened.fail(error)
            channel.close(promise: nil)
            throw LinkFailure.closed(
                "the cloud closed the connection before the WebSocket upgrade was done (\(error)); right after the TLS "
                    + "handshake this is how TLS 1.3 shows a client certificate that the cloud refused")
        }
    }

    private enum Outcome: Sendable {
        case upgraded
        /// The server answered without switching protocols; the future has its HTTP status.
        case refused(EventLoopFuture<Int>)
    }

    private static func configure(
        _ channel: any Channel, head: HTTPRequestHead, maxFrameSize: Int, probe: Bool,
        opened: EventLoopPromise<NIOAsyncChannel<WebSocketFrame, WebSocketFrame>>
    ) -> EventLoopFuture<Outcome> {
        let upgrader = NIOTypedWebSocketClientUpgrader<Outcome>(
            maxFrameSize: maxFrameSize, enableAutomaticErrorHandling: true,
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4096, maxAccumulatedFrameSize: maxFrameSize))
                    if probe {
                        try ops.addHandler(UpgradeProbeHandler(opened))
                    } else {
                        opened.succeed(try WebSocketLink.wrap(channel))
                    }
                    return .upgraded
                }
            })
        let config = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
            upgradeRequestHead: head, upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let status = channel.eventLoop.makePromise(of: Int.self)
                    try channel.pipeline.syncOperations.addHandler(RefusalStatusHandler(status))
                    return .refused(status.futureResult)
                }
            })
        // The server's first frame (the Engine.IO open packet) often arrives in the same read as
        // the 101 answer: the HTTP decoder must hand those bytes on, not drop them (NIO's default).
        var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: config)
        pipeline.leftOverBytesStrategy = .forwardBytes
        do {
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    /// Wraps the upgraded channel for async use. Runs on the channel's event loop.
    static func wrap(_ channel: any Channel) throws -> NIOAsyncChannel<WebSocketFrame, WebSocketFrame> {
        try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
    }

    func run(_ body: @Sendable (any EngineIOChannel) async -> Void) async throws(PluginError) {
        let initial = self.initial
        let underlying = channel.channel
        do {
            try await channel.executeThenClose { inbound, outbound in
                await body(OpenWebSocket(inbound: inbound, outbound: outbound, channel: underlying, initial: initial))
            }
        } catch {
            // Closing a channel that the peer already closed; nothing is lost.
        }
    }
}

/// The open WebSocket inside ``WebSocketLink/run(_:)``.
private struct OpenWebSocket: EngineIOChannel {
    let inbound: NIOAsyncChannelInboundStream<WebSocketFrame>
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    let channel: any Channel
    let initial: [String]
    /// Whether our close frame went out (then the peer's close is the answer, not echoed).
    let closeSent = SharedValue(false)
    /// How long the peer has to answer our close frame.
    static let closeGrace: TimeAmount = .milliseconds(200)

    func receive(_ handle: (String) -> Bool) async -> String {
        for packet in initial where !handle(packet) { return "the session ended" }
        do {
            for try await frame in inbound {
                switch frame.opcode {
                case .text:
                    if !handle(String(buffer: frame.unmaskedData)) { return "the session ended" }
                case .ping:
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
                case .connectionClose:
                    // Echo the close (RFC 6455 §5.5.1) unless ours went first. A failed write
                    // changes nothing: the peer is closing the connection anyway.
                    if !closeSent.current {
                        // harmless: see above, the peer is closing anyway
                        try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: ByteBuffer()))
                    }
                    return "the server closed the WebSocket"
                default:
                    continue  // pong, binary (unused by this protocol)
                }
            }
            return "the server closed the connection"
        } catch {
            return "read failed: \(error)"
        }
    }

    func send(_ packets: [String]) async throws {
        for p in packets {
            try await outbound.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: p)))
        }
    }

    func finish() async {
        var reason = ByteBuffer()
        reason.write(webSocketErrorCode: .normalClosure)
        closeSent.withLock { $0 = true }
        // A failed write means the connection is gone already: nothing left to close politely.
        try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reason))
        // The peer answers with its close and ends the connection; give it a short grace.
        let closed = channel.closeFuture
        let timer = channel.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
        try? await closed.get()  // closing is the point; how it closed does not matter
        timer.cancel()
    }

    func abort() {
        channel.close(promise: nil)
    }
}

/// After an upgrade from polling: once `2probe` went out, waits for `3probe`, sends `5` and
/// hands the channel over (engine.io-protocol v4, "Upgrade"). Anything else fails the upgrade.
private final class UpgradeProbeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    private let opened: EventLoopPromise<NIOAsyncChannel<WebSocketFrame, WebSocketFrame>>

    init(_ opened: EventLoopPromise<NIOAsyncChannel<WebSocketFrame, WebSocketFrame>>) { self.opened = opened }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text, String(buffer: frame.unmaskedData) == "3probe" else {
            if frame.opcode == .ping || frame.opcode == .pong { return }
            opened.fail(LinkFailure.upgradeRefused(status: nil, "the server did not answer the upgrade probe"))
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(Self.text("5")), promise: nil)
        do {
            // Wrapping and removal happen in this event loop turn: no frame can slip between.
            let wrapped = try WebSocketLink.wrap(context.channel)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            opened.succeed(wrapped)
        } catch {
            opened.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        opened.fail(LinkFailure.closed("the connection closed during the WebSocket upgrade probe"))
        context.fireChannelInactive()
    }

    static func text(_ s: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: s))
    }
}

/// Reports the status of a response that refused the upgrade.
private final class RefusalStatusHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let status: EventLoopPromise<Int>

    init(_ status: EventLoopPromise<Int>) { self.status = status }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { status.succeed(Int(head.status.code)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        status.fail(LinkFailure.closed("closed before an answer"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        status.fail(LinkFailure.closed("closed before an answer"))
    }
}

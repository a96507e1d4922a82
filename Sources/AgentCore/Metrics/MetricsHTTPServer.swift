import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on swift-nio for one resource: `GET /metrics` answers 200 with the
/// Prometheus text exposition format (`text/plain; version=0.0.4`); every other request answers
/// 404 (``MetricsRequestHandler``).
///
/// - One request per connection, closed after the reply (`Connection: close`).
/// - A request head larger than ``maxRequestBytes`` is answered 431 (``RequestHeadLimit``); a
///   client gets ``ioTimeout`` to send its request and read the reply.
/// - Bound to the address given, which ``MetricsSettings`` has checked is loopback.
///
/// ``stop()`` closes the listening socket before it returns: a new connection is refused and the
/// port can be bound again. Connections being answered finish on their own.
final class MetricsHTTPServer: Sendable {
    static let maxRequestBytes = 8192
    static let ioTimeout = TimeAmount.seconds(2)
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The port actually bound (the kernel's pick when 0 was asked for).
    let port: UInt16
    private let listener: any Channel

    private init(listener: any Channel, port: UInt16) {
        self.listener = listener
        self.port = port
    }

    /// Binds on `loops` and starts serving `body()` at `/metrics`. Waits for the bind (call it
    /// off the event loop).
    /// - Throws: ``AgentCoreError`` `config_invalid`: `metrics.address` when it is no IP literal,
    ///   `metrics.port` when the address cannot be bound (port in use, not permitted).
    static func start(
        loops: ServerEventLoops, address: String, port: UInt16, body: @escaping @Sendable () -> [UInt8]
    ) throws(AgentCoreError) -> MetricsHTTPServer {
        let target: SocketAddress
        do { target = try SocketAddress(ipAddress: address, port: Int(port)) } catch {
            throw AgentCoreError(.configInvalid, "'metrics.address' '\(address)' is not an IP address", field: "metrics.address")
        }
        let bootstrap = ServerBootstrap(group: loops.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(RequestHeadLimit(maxBytes: maxRequestBytes))
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(MetricsRequestHandler(body: body))
                }
            }
        let listener: any Channel
        do { listener = try bootstrap.bind(to: target).wait() } catch {
            throw AgentCoreError(
                .configInvalid,
                "the metrics endpoint cannot listen on \(address):\(port): \(reason(error)); choose a free port in metrics.port",
                field: "metrics.port")
        }
        return MetricsHTTPServer(listener: listener, port: UInt16(clamping: listener.localAddress?.port ?? Int(port)))
    }

    /// Stops listening and waits until the socket is closed; idempotent. On the event loop
    /// itself it only starts the close.
    func stop() {
        guard !listener.eventLoop.inEventLoop else {
            listener.close(promise: nil)
            return
        }
        // harmless: a listener that is already closed has nothing left to close
        try? listener.close().wait()
    }

    /// ``stop()`` for async callers (the service's shutdown).
    func stopped() async {
        // harmless: a listener that is already closed has nothing left to close
        try? await listener.close().get()
    }

    /// The system's words for a failed bind (`Address already in use`), else the error.
    private static func reason(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return "\(error)"
    }
}

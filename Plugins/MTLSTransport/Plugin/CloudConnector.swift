import AgentPluginKit
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import SocketIOCore

/// A proxy as the connector uses it: where it is and the `Proxy-Authorization` value, if any.
struct ProxyRoute: Sendable {
    let url: ProxyURL
    let authorization: String?
}

/// Opens connections to the cloud: TCP (to the proxy when there is one, which then opens a tunnel
/// with `CONNECT host:port`), TLS with the client certificate, and the server's identity checked
/// end to end — against the cloud, never the proxy:
///
/// - a host name goes into SNI and NIOSSL matches it against the certificate's DNS names;
/// - an IP literal is not sent as SNI (RFC 6066 §3) and must be one of the certificate's IP
///   address entries (checked inside the handshake, so a mismatch fails it like any bad
///   certificate).
///
/// The returned channel has TLS in its pipeline, the handshake done, and nothing else: the
/// caller adds HTTP (a WebSocket upgrade or a polling request).
struct CloudConnector: Sendable {
    let host: CloudHost
    let port: Int
    let proxy: ProxyRoute?
    let tls: NIOSSLContext
    let group: any EventLoopGroup
    /// For connecting, the proxy tunnel and the TLS handshake together.
    let timeout: TimeAmount

    /// `host:port` as an HTTP authority (the `Host` header, the CONNECT target).
    var authority: String { "\(host.urlHost):\(port)" }

    /// Connects.
    /// - Throws: ``LinkFailure`` codes `connect_failed`, `connect_timeout`, `proxy_refused`,
    ///   `proxy_auth_required`, `tls_failed`, `san_mismatch`.
    func connect() async throws(PluginError) -> any Channel {
        let deadline = NIODeadline.now() + timeout
        let target = proxy.map { (host: $0.url.host.connectHost, port: $0.url.port) } ?? (host: host.connectHost, port: port)
        let targetName = proxy.map { "the proxy \($0.url)" } ?? "the cloud \(authority)"
        // Cancellable from the first byte: a session that ends (a ping overdue, a stop) must not
        // wait for a slow TCP connect or a frozen server's TLS handshake until the connect
        // timeout. The channel is known from its initializer on; closing it fails every stage at
        // once (and a cancel that comes before the channel exists closes it as it appears).
        let inFlight = SharedValue<(channel: (any Channel)?, cancelled: Bool)>((nil, false))
        let proxy = self.proxy
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout).channelInitializer { channel in
            let cancelled = inFlight.withLock { s -> Bool in
                s.channel = channel
                return s.cancelled
            }
            if cancelled { channel.close(promise: nil) }
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        let outcome: Result<any Channel, PluginError> = await withTaskCancellationHandler {
            let channel: any Channel
            do {
                channel = try await bootstrap.connect(host: target.host, port: target.port).get()
            } catch ChannelError.connectTimeout {
                return .failure(LinkFailure.timeout("connecting to \(targetName)"))
            } catch {
                return .failure(LinkFailure.connectFailed(targetName, error))
            }
            do throws(PluginError) {
                if let proxy { try await openTunnel(on: channel, through: proxy, deadline: deadline) }
                try await startTLS(on: channel, deadline: deadline)
                return .success(channel)
            } catch {
                channel.close(promise: nil)
                return .failure(error)
            }
        } onCancel: {
            let channel = inFlight.withLock { s -> (any Channel)? in
                s.cancelled = true
                return s.channel
            }
            channel?.close(promise: nil)
        }
        return try outcome.get()
    }

    // MARK: the proxy tunnel

    private func openTunnel(on channel: any Channel, through proxy: ProxyRoute, deadline: NIODeadline) async throws(PluginError) {
        let done = channel.eventLoop.makePromise(of: Void.self)
        // Completed whatever happens: a closing channel fails it (a no-op once it succeeded).
        channel.closeFuture.whenComplete { _ in done.fail(LinkFailure.closed("the connection closed during the proxy tunnel")) }
        let status = SharedValue<Int?>(nil)
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: authority)
        if let auth = proxy.authorization { fields.add(name: "Proxy-Authorization", value: auth) }
        let headers = fields
        let target = host.urlHost
        let port = self.port
        do {
            try await channel.eventLoop.submit {
                let ops = channel.pipeline.syncOperations
                try ops.addHandler(HTTPRequestEncoder(), name: "proxy-encoder")
                try ops.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)), name: "proxy-decoder")
                try ops.addHandler(ProxyStatusRecorder(status), name: "proxy-status")
                try ops.addHandler(
                    NIOHTTP1ProxyConnectHandler(targetHost: target, targetPort: port, headers: headers, deadline: deadline, promise: done))
            }.get()
            try await done.futureResult.get()
            for name in ["proxy-status", "proxy-decoder", "proxy-encoder"] {
                try await channel.pipeline.removeHandler(name: name).get()
            }
        } catch let error as NIOHTTP1ProxyConnectHandler.Error {
            done.fail(error)  // already failed by the handler; a completed promise ignores this
            let code = status.current
            // 407 is the standard answer; some proxies (tinyproxy) answer 401 to wrong credentials.
            if error == .proxyAuthenticationRequired() || code == 407 || code == 401 {
                throw LinkFailure.proxyAuth(proxy.url.description, sent: proxy.authorization != nil)
            }
            if error == .httpProxyHandshakeTimeout() { throw LinkFailure.timeout("the proxy tunnel through \(proxy.url)") }
            throw LinkFailure.proxyRefused(proxy.url.description, status: code, String(describing: error))
        } catch {
            done.fail(error)  // so that no promise is left pending when the handler was never added
            throw LinkFailure.proxyRefused(proxy.url.description, status: status.current, String(describing: error))
        }
    }

    // MARK: TLS

    private func startTLS(on channel: any Channel, deadline: NIODeadline) async throws(PluginError) {
        let ready = channel.eventLoop.makePromise(of: Void.self)
        // Completed whatever happens: a closing channel fails it (a no-op once it succeeded).
        channel.closeFuture.whenComplete { _ in ready.fail(LinkFailure.closed("the connection closed during the TLS handshake")) }
        let timeout = channel.eventLoop.scheduleTask(deadline: deadline) {
            ready.fail(LinkFailure.timeout("the TLS handshake with the cloud"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let tls = self.tls
        let host = self.host
        do {
            try await channel.eventLoop.submit {
                let handler: NIOSSLClientHandler
                if let expected = host.addressBytes {
                    handler = try NIOSSLClientHandler._makeSSLClientHandler(
                        context: tls, serverHostname: nil,
                        additionalPeerCertificateVerificationCallback: { leaf, channel in
                            channel.eventLoop.makeCompletedFuture { try Self.checkIPAddress(expected, host: host, in: leaf) }
                        })
                } else {
                    handler = try NIOSSLClientHandler(context: tls, serverHostname: host.serverNameIndication)
                }
                try channel.pipeline.syncOperations.addHandler(handler)
                try channel.pipeline.syncOperations.addHandler(TLSReadyHandler(ready))
            }.get()
            // The ready handler stays: it passes everything on, and removing it races with a
            // close right after the handshake (TLS 1.3: a refused client certificate).
            try await ready.futureResult.get()
        } catch let error as PluginError {
            ready.fail(error)  // no promise left pending (ignored when already completed)
            throw error
        } catch {
            ready.fail(error)
            throw LinkFailure.tls(error)
        }
    }

    /// The IP check for a cloud addressed by IP: the leaf certificate must carry that address
    /// as a subjectAltName IP entry (no fallback to the common name, as RFC 6125 says).
    static func checkIPAddress(_ expected: [UInt8], host: CloudHost, in leaf: NIOSSLCertificate) throws(PluginError) {
        var seen: [String] = []
        for name in leaf._subjectAlternativeNames() where name.nameType == .ipAddress {
            let bytes = name.contents.withUnsafeBufferPointer { Array($0) }
            if bytes == expected { return }
            seen.append(CloudHost.text(ofAddress: bytes))
        }
        throw LinkFailure.sanMismatch(host.connectHost, names: seen)
    }
}

/// Records the status of the proxy's response head and passes everything on.
final class ProxyStatusRecorder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart
    /// The proxy's answer status, seen before NIO's CONNECT handler turns it into an error.
    private let box: SharedValue<Int?>

    init(_ box: SharedValue<Int?>) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            box.withLock { $0 = Int(head.status.code) }
        }
        context.fireChannelRead(data)
    }
}

/// Completes a promise when the TLS handshake (with every check) succeeded, fails it on the
/// first error or when the connection closes first. Passes everything on.
final class TLSReadyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<Void>

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(LinkFailure.closed("the cloud closed the connection during the TLS handshake"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(LinkFailure.closed("the TLS handshake was abandoned"))
    }
}

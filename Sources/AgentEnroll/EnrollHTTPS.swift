import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import X509

/// One HTTPS request to the enrollment API (swift-nio + swift-nio-ssl): the server certificate is
/// verified against `trust` (a CA bundle, or the system store) and the host — its DNS name, or for
/// an IP literal the certificate's IP address entries. The whole exchange has one deadline.
struct EnrollHTTPS: Sendable {
    let url: APIURL
    let trust: String?
    let timeout: TimeAmount

    /// A response: status and body.
    struct Response: Sendable {
        let status: Int
        let body: [UInt8]
    }

    /// Sends `method path` with `body` (and its `contentType`) and reads the whole response.
    /// - Throws: ``EnrollError`` `api` naming the URL and the reason (refused, TLS, timeout).
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], contentType: String? = nil) async throws(EnrollError)
        -> Response
    {
        let target = url.base + path
        do {
            return try await exchange(method, url.pathPrefix + path, body: body, contentType: contentType)
        } catch let error as EnrollError {
            throw error
        } catch {
            throw EnrollError(.api, "\(method) \(target) failed: \(error)")
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8], contentType: String?) async throws -> Response {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trust {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(trust)) } catch {
                throw EnrollError(.usage, "cannot read the CA bundle '\(trust)': \(error)")
            }
        }
        let context = try NIOSSLContext(configuration: tls)
        let host = url.host
        let address = url.ipAddressBytes
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .connect(host: host, port: url.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler: NIOSSLClientHandler
                    if let address {
                        handler = try NIOSSLClientHandler._makeSSLClientHandler(
                            context: context, serverHostname: nil,
                            additionalPeerCertificateVerificationCallback: { leaf, channel in
                                channel.eventLoop.makeCompletedFuture { try Self.checkIPAddress(address, host: host, in: leaf) }
                            })
                    } else {
                        handler = try NIOSSLClientHandler(context: context, serverHostname: host)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: url.hostHeader)
        head.headers.add(name: "Accept", value: "application/json")
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Content-Length", value: "\(body.count)")
        if let contentType { head.headers.add(name: "Content-Type", value: contentType) }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status: Int?
            var received: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h): status = Int(h.status.code)
                case .body(var buffer):
                    received += buffer.readBytes(length: buffer.readableBytes) ?? []
                    guard received.count <= 1 << 20 else { throw EnrollError(.api, "\(url.base)\(path): the answer is larger than 1 MiB") }
                case .end:
                    guard let status else { break }
                    return Response(status: status, body: received)
                }
            }
            throw EnrollError(.api, "\(url.base): the connection ended before a whole answer (timeout \(timeout.nanoseconds / 1_000_000_000) s?)")
        }
    }

    /// The server certificate must carry the IP address the API was named by.
    static func checkIPAddress(_ expected: [UInt8], host: String, in leaf: NIOSSLCertificate) throws -> NIOSSLVerificationResult {
        let certificate = try Certificate(derEncoded: leaf.toDERBytes())
        let names = try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames([])
        for name in names {
            if case .ipAddress(let octets) = name, Array(octets.bytes) == expected { return .certificateVerified }
        }
        throw EnrollError(.api, "the enrollment API's certificate does not name \(host) (subject alternative names: \(names))")
    }
}

import AgentPluginKit
import NIOCore
import NIOHTTP1
import SocketIOCore

/// Engine.IO over HTTP long-polling (engine.io-protocol v4): a `GET` that the server holds until
/// it has packets (at least its ping every `pingInterval`), and a `POST` per batch of packets
/// from the client, each body a ``EngineIOPayload``. This is the transport that gets through
/// proxies and load balancers that do not pass WebSocket upgrades.
final class PollingLink: EngineIOLink {
    let name = "polling"
    let sid: String
    private let requester: PollingRequester
    /// The handshake's packets, the open packet first.
    let initial: [String]
    /// How long a `GET` may be held: the server answers within `pingInterval` with a ping.
    private let pollTimeout: TimeAmount
    private let sendTimeout: TimeAmount
    /// The server's `maxPayload`: the largest POST body it accepts.
    let maxPayload: Int

    init(requester: PollingRequester, sid: String, handshake: EngineIOHandshake, initial: [String], sendTimeout: TimeAmount) {
        self.requester = requester
        self.sid = sid
        self.initial = initial
        self.pollTimeout = .milliseconds(Int64(handshake.pingInterval + handshake.pingTimeout) + 5_000)
        self.sendTimeout = sendTimeout
        self.maxPayload = max(1, handshake.maxPayload)
    }

    /// What the handshake request returned.
    struct Opened: Sendable {
        let handshake: EngineIOHandshake
        /// Every packet of the answer, the open packet first.
        let packets: [String]
    }

    /// Opens an Engine.IO session over polling: `GET <path>?EIO=4&transport=polling`.
    /// - Throws: ``LinkFailure``: the connector's codes, `polling_failed` (an error status: an
    ///   HTTP 400 is a server without the polling transport), `bad_handshake`.
    static func handshake(_ requester: PollingRequester, timeout: TimeAmount) async throws(PluginError) -> Opened {
        let r = try await requester.send(method: .GET, query: "EIO=4&transport=polling&t=\(stamp())", timeout: timeout)
        guard r.status == 200 else {
            throw LinkFailure.polling("the handshake was answered HTTP \(r.status): \(String(decoding: r.body.prefix(200), as: UTF8.self))")
        }
        let packets: [String]
        do { packets = try EngineIOPayload.decode(r.body) } catch { throw LinkFailure.badHandshake("\(error)") }
        // handled: anything but an open packet throws bad_handshake
        guard let first = packets.first, case .open(let h)? = try? EngineIOPacket.parse(first) else {
            throw LinkFailure.badHandshake("the first packet is not an Engine.IO open packet: \(packets.first?.prefix(200) ?? "")")
        }
        return Opened(handshake: h, packets: packets)
    }

    func run(_ body: @Sendable (any EngineIOChannel) async -> Void) async throws(PluginError) {
        await body(OpenPolling(link: self))
    }

    fileprivate func poll() async throws(PluginError) -> [String] {
        let r = try await requester.send(method: .GET, query: query, timeout: pollTimeout)
        guard r.status == 200 else { throw LinkFailure.polling("GET answered HTTP \(r.status)") }
        do { return try EngineIOPayload.decode(r.body) } catch { throw LinkFailure.polling("GET answered \(error)") }
    }

    fileprivate func post(_ packets: [String]) async throws(PluginError) {
        let r = try await requester.send(method: .POST, query: query, body: EngineIOPayload.encode(packets), timeout: sendTimeout)
        guard r.status == 200 else { throw LinkFailure.polling("POST answered HTTP \(r.status)") }
    }

    private var query: String { "EIO=4&transport=polling&sid=\(sid)&t=\(Self.stamp())" }

    /// A cache-busting stamp, as Engine.IO clients add to every polling URL.
    private static func stamp() -> String { String(UInt64.random(in: 0...UInt64(UInt32.max)), radix: 36) }
}

private struct OpenPolling: EngineIOChannel {
    let link: PollingLink

    func receive(_ handle: (String) -> Bool) async -> String {
        // The open packet and whatever came with it, then one long GET after the other.
        var pending = link.initial
        while true {
            for packet in pending where !handle(packet) { return "the session ended" }
            if Task.isCancelled { return "the session ended" }
            do { pending = try await link.poll() } catch { return "\(error.code): \(error.message)" }
        }
    }

    func send(_ packets: [String]) async throws {
        for batch in EngineIOPayload.batches(packets, maxPayload: link.maxPayload) { try await link.post(batch) }
    }

    func finish() async {}

    func abort() {}  // the reader's held GET ends when its task is cancelled
}

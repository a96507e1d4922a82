import AgentJSON
import AgentPluginKit
import Logging
import SocketIOCore
import Synchronization
import NIOCore

/// One Engine.IO session with the cloud, over either transport (``EngineIOLink``): Engine.IO
/// handshake and heartbeat, Socket.IO connect, inbound commands handed to the host (answered as
/// acks), ordered outbound packets.
///
/// The session ends (and ``run(_:)`` returns) when the server closes or disconnects, when no ping
/// arrived for `pingInterval + pingTimeout`, when no handshake arrived in time, or when the
/// transport closes the outbox (after queuing the Socket.IO and Engine.IO close packets: then the
/// link is closed politely, with a short bounded grace). Packets that do not parse are logged and
/// dropped; they never end the session.
final class CloudSession: Sendable {
    let outbox = SessionOutbox()
    private let link: TransportLink
    private let logger: Logger
    private let onConnected: @Sendable (CloudSession, String) -> Void
    private let lastPing = Atomic<UInt64>(0)
    private let started = monotonicNanoseconds()
    private let handshake = Mutex<EngineIOHandshake?>(nil)
    /// Frames handed back when the connection ended before they were written.
    let leftovers = Mutex<[SessionOutbox.Frame]>([])
    /// Why the connection ended.
    let endReason = Mutex<String?>(nil)
    /// How long to wait for the Engine.IO open and Socket.IO connect.
    static let handshakeTimeoutNanoseconds: UInt64 = 15_000_000_000

    init(link: TransportLink, logger: Logger, onConnected: @escaping @Sendable (CloudSession, String) -> Void) {
        self.link = link
        self.logger = logger
        self.onConnected = onConnected
    }

    /// Runs the session on an open link until it ends.
    func run(_ link: any EngineIOChannel) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                let why = await link.receive { self.handle(frame: $0) }
                self.end(why)
                return false
            }
            group.addTask { await self.writeLoop(link) }
            group.addTask {
                await self.watchdog()
                return false
            }
            // The writer ends with true when the outbox was closed and drained: a local stop.
            let stopping = await group.next() ?? false
            leftovers.withLock { $0.append(contentsOf: outbox.close()) }
            if stopping {
                end("the agent closed the link")
                // The close packets went out; now close the link itself and let the reader see
                // the server's answer for a short, bounded grace.
                await link.finish()
            } else {
                link.abort()
            }
            group.cancelAll()
        }
    }

    /// Queues the Socket.IO disconnect and the Engine.IO close after whatever is queued, and
    /// closes the outbox: the writer sends them, then the link is closed with a short grace.
    func closePolitely() {
        push("4" + SocketIOPacket(kind: .disconnect).encoded)
        push(EngineIOPacket.close.encoded)
        outbox.finish()
    }

    private func end(_ reason: String) {
        endReason.withLock { if $0 == nil { $0 = reason } }
    }

    // MARK: reading

    /// Handles one Engine.IO packet; false ends the session.
    private func handle(frame: String) -> Bool {
        let packet: EngineIOPacket
        do { packet = try EngineIOPacket.parse(frame) } catch {
            logger.warning("dropped an Engine.IO frame that does not parse: \(error)", metadata: ["frame": "\(frame.prefix(200))"])
            return true
        }
        switch packet {
        case .open(let h):
            handshake.withLock { $0 = h }
            lastPing.store(monotonicNanoseconds(), ordering: .relaxed)
            push("4" + SocketIOPacket.connectDefault.encoded)
        case .ping(let data):
            lastPing.store(monotonicNanoseconds(), ordering: .relaxed)
            push(EngineIOPacket.pong(data).encoded)
        case .close:
            end("the server closed the Engine.IO session")
            return false
        case .message(let text):
            return handle(socketIO: text)
        case .pong, .noop, .upgrade:
            break
        }
        return true
    }

    private func handle(socketIO text: String) -> Bool {
        let packet: SocketIOPacket
        do { packet = try SocketIOPacket.parse(text) } catch {
            logger.warning("dropped a Socket.IO packet that does not parse: \(error)", metadata: ["packet": "\(text.prefix(200))"])
            return true
        }
        guard packet.namespace == "/" else {
            logger.warning("dropped a packet for namespace '\(packet.namespace)' (only / is joined)")
            return true
        }
        switch packet.kind {
        case .connect:
            let sid = packet.data?.objectValue?["sid"]?.stringValue ?? ""
            onConnected(self, sid)
        case .connectError:
            let why = packet.data?.objectValue?["message"]?.stringValue ?? packet.data.map(JSONWriter.string) ?? "refused"
            link.state("error", ["reason": .string("connect_error: \(why)")])
            end("the server refused the Socket.IO connection: \(why)")
            return false
        case .disconnect:
            end("the server disconnected this client")
            return false
        case .event:
            handle(event: packet)
        case .ack:
            logger.debug("ignored an ACK for id \(packet.ackID.map(String.init) ?? "-") (this agent sends no acked events)")
        case .binaryEvent, .binaryAck:
            logger.warning("binary Socket.IO packets are not supported; dropped")
            if packet.kind == .binaryEvent, let id = packet.ackID {
                replyError(id, code: "unsupported_binary", message: "binary events are not supported by this agent")
            }
        }
        return true
    }

    private func handle(event packet: SocketIOPacket) {
        guard let (name, args) = packet.eventNameAndArguments else {
            logger.warning("dropped an EVENT without a name")
            if let id = packet.ackID {
                replyError(id, code: "invalid_event", message: "the event has no name")
            }
            return
        }
        // One argument is the message; zero or several are handed over as they are (null or an
        // array), so the dispatcher answers them with a typed error.
        let payload: JSONValue = args.count == 1 ? args[0] : (args.isEmpty ? .null : .array(args))
        var reply: (@Sendable ([UInt8]) -> Void)? = nil
        if let id = packet.ackID {
            reply = { [weak self] (response: [UInt8]) -> Void in
                self?.sendAck(id: id, response: response, topic: name)
            }
        }
        link.inbound(topic: name, payload: JSONWriter.bytes(payload), reply: reply)
    }

    private func sendAck(id: Int, response: [UInt8], topic: String) {
        let body = response.isEmpty ? "{}" : String(decoding: response, as: UTF8.self)
        if !push("43\(id)[\(body)]") {
            logger.warning("the connection closed before the ack of '\(topic)' could be sent")
        }
    }

    private func replyError(_ id: Int, code: String, message: String) {
        let body: JSONValue = [
            "action": .null, "correlation_id": .null, "status": "error", "error": .string(message), "code": .string(code),
        ]
        push("4" + SocketIOPacket.ack(id, [body]).encoded)
    }

    // MARK: writing

    @discardableResult
    func push(_ text: String) -> Bool {
        outbox.push(.init(text: text, requeue: nil, waiter: nil))
    }

    /// Writes the outbox in order, a batch at a time. True when the outbox was closed and
    /// everything in it written; false when a write failed.
    private func writeLoop(_ link: any EngineIOChannel) async -> Bool {
        while true {
            let frames = await outbox.take()
            if frames.isEmpty { return true }  // closed and drained
            do {
                try await link.send(frames.map(\.text))
                for frame in frames { frame.waiter?(true) }
            } catch {
                end("write failed: \(error)")
                leftovers.withLock { $0.append(contentsOf: frames) }
                return false
            }
        }
    }

    // MARK: liveness

    /// Ends the connection when the handshake or a ping is overdue. Sleeps until the next
    /// deadline instead of polling, so an idle link costs about one wake-up per ping.
    private func watchdog() async {
        while !Task.isCancelled {
            let now = monotonicNanoseconds()
            let deadline: UInt64
            if let h = handshake.withLock({ $0 }) {
                let limit = UInt64(h.pingInterval + h.pingTimeout) * 1_000_000
                deadline = lastPing.load(ordering: .relaxed) + limit
                if now > deadline {
                    end("no ping from the server for \(h.pingInterval + h.pingTimeout) ms (pingInterval + pingTimeout)")
                    return
                }
            } else {
                deadline = started + Self.handshakeTimeoutNanoseconds
                if now > deadline {
                    end("no Engine.IO handshake within \(Self.handshakeTimeoutNanoseconds / 1_000_000_000) s")
                    return
                }
                // The handshake usually comes within milliseconds: look again soon.
                try? await Task.sleep(for: .milliseconds(50))  // harmless: cancellation ends the loop above
                continue
            }
            // +1 ms so that waking exactly at the deadline counts as overdue.
            try? await Task.sleep(for: .nanoseconds(Int64(deadline - now) + 1_000_000))  // harmless: as above
        }
    }
}

func monotonicNanoseconds() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

import AgentClock
import AgentContracts
import AgentJSON
import AgentPluginKit
import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import SocketIOCore
import Synchronization

/// The agent's link to the cloud: a Socket.IO v5 client over mTLS — WebSocket, or long-polling
/// where upgrades do not get through, directly or through an HTTP proxy — that connects, keeps
/// reconnecting on its back-off schedule, keeps events while disconnected and reports its state.
/// See docs/cloud-protocol.md and docs/security.md.
final class CloudTransport: TransportProvider {
    private struct State {
        var link: TransportLink?
        var settings: TransportSettings?
        var loop: Task<Void, Never>?
        /// The live session (Socket.IO connect acknowledged).
        var session: CloudSession?
        /// The session of the connection being run, live or still in its handshake.
        var current: CloudSession?
        var queue: OutboundQueue<String>
        var stopped = false
        /// The back-off between attempts, on the plugin's clock (made at start from the settings).
        var pacer: ReconnectPacer?
        var agentID: String?
        var certExpiresInDays: Int?
        var certWarning: String?
        var sid: String?
        var lastError: String?
        var lastErrorCode: String?
        var linkName: String?
        var connects = 0
        var attempts = 0
    }

    private let state = Mutex(State(queue: OutboundQueue(capacity: 1000)))
    private let logger: Logger
    private let wsLogger: Logger
    private let clock: any AgentClock

    init(host: PluginHost, clock: any AgentClock = SystemClock()) {
        self.clock = clock
        var logger = host.logger(label: "transport")
        logger.logLevel = .info
        self.logger = logger
        var ws = host.logger(label: "websocket")
        ws.logLevel = .warning
        self.wsLogger = ws
    }

    // MARK: TransportProvider

    func start(config: JSONObject, link: TransportLink) throws(PluginError) {
        let settings = try TransportSettings.parse(config)
        // The process's event loop group: NIO's singleton, which the agent sizes before it loads
        // plugins (docs/architecture.md, "One event loop group").
        let group = MultiThreadedEventLoopGroup.singleton
        let started = state.withLock { s -> Bool in
            guard s.loop == nil, !s.stopped else { return false }
            s.link = link
            s.settings = settings
            s.pacer = ReconnectPacer(policy: ReconnectPolicy(schedule: settings.reconnect), clock: clock)
            // Events plugins emitted between their load and this start (e.g. a recovery's
            // `operation_update` at boot) are already queued: carry them over, in order.
            var queue = OutboundQueue<String>(capacity: settings.queueLimit)
            queue.prepend(s.queue.drain())
            s.queue = queue
            return true
        }
        guard started else {
            throw PluginError(status: 4, code: "already_started", message: "the transport was already started")
        }
        logger.info("connecting to \(settings.url)", metadata: settings.proxy.map { ["proxy": "\($0)"] } ?? [:])
        let loop = Task { await self.runLoop(settings: settings, group: group, link: link) }
        state.withLock { $0.loop = loop }
    }

    func send(
        topic: String, payload: JSONObject, queue: Bool, completion: @escaping @Sendable (PluginError?) -> Void
    ) {
        let text = "4" + SocketIOPacket.event(topic, [.object(payload)]).encoded
        let rejected = PluginError(
            status: 4, code: "not_connected", message: "not connected to the cloud; '\(topic)' was not sent (not queued)")
        // Decided under the lock, so the order of sends and of the queue drain on connect holds.
        let immediate = state.withLock { s -> SendOutcome? in
            if let session = s.session {
                let frame = SessionOutbox.Frame(
                    text: text, requeue: queue ? (topic, text) : nil,
                    waiter: { written in completion(written || queue ? nil : rejected) })
                if session.outbox.push(frame) { return nil }
            }
            guard queue else { return .rejected }
            s.queue.append(text)
            return .queued
        }
        switch immediate {
        case .queued?: completion(nil)
        case .rejected?: completion(rejected)
        default: break
        }
    }

    private enum SendOutcome { case queued, rejected }

    func reconnectNow() {
        guard let pacer = state.withLock({ $0.pacer }) else { return }
        if pacer.isWaiting { logger.info("network changed: reconnecting now") }
        pacer.wakeNow()
    }

    /// Stops: a live session sends the Socket.IO and Engine.IO close packets and closes the link
    /// with a short grace; a connection attempt still in progress after ``stopBound`` is
    /// cancelled (every stage of it closes its channel on cancel), and if it has not ended
    /// ``cutOffBound`` later, stop returns without it and says so — the event loop group is the
    /// process's (NIO's singleton), so it is never shut down under an attempt.
    func stop() async {
        let (loop, session, pacer, first) = state.withLock { s in
            let first = !s.stopped
            s.stopped = true
            return (s.loop, s.current, s.pacer, first)
        }
        pacer?.wakeNow()
        // A session still in its handshake is closed the same way: it never goes live.
        session?.closePolitely()
        let ended = await withTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                await loop?.value
                return true
            }
            tasks.addTask {
                try? await Task.sleep(for: Self.stopBound)  // harmless: cancelled when the loop ended in time
                guard !Task.isCancelled else { return true }
                if first { loop?.cancel() }
                try? await Task.sleep(for: Self.cutOffBound)  // harmless: cancelled when the cancelled attempt ended
                return Task.isCancelled
            }
            let ended = await tasks.next() ?? true
            tasks.cancelAll()
            return ended
        }
        guard first else { return }  // a second stop only waits for the first
        if !ended { logger.warning("a connection attempt did not end when cancelled; stopped without it") }
        logger.info("transport stopped")
    }

    /// How long `stop` lets a connection attempt in progress finish before cutting it off.
    static let stopBound: Duration = .milliseconds(250)
    /// How long a cancelled connection attempt gets to end before stop returns without it.
    static let cutOffBound: Duration = .seconds(3)

    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue {
        guard method == "status" else {
            throw PluginError(status: 2, code: "unknown_method", message: "the transport answers 'status' only")
        }
        return state.withLock { s in
            .object([
                "connected": .bool(s.session != nil),
                "agent_id": s.agentID.map { .string($0) } ?? .null,
                "cert_expires_in_days": s.certExpiresInDays.map { .number(Double($0)) } ?? .null,
                "cert_warning": s.certWarning.map { .string($0) } ?? .null,
                "sid": s.sid.map { .string($0) } ?? .null,
                "queued": .number(Double(s.queue.count)),
                "dropped": .number(Double(s.queue.dropped)),
                "connects": .number(Double(s.connects)),
                "attempts": .number(Double(s.attempts)),
                "last_error": s.lastError.map { .string($0) } ?? .null,
                "last_error_code": s.lastErrorCode.map { .string($0) } ?? .null,
                "url": s.settings.map { .string($0.url) } ?? .null,
                "link": s.linkName.map { .string($0) } ?? .null,
                "proxy": s.settings?.proxy.map { .string($0.description) } ?? .null,
            ])
        }
    }

    // MARK: the connection loop

    private func runLoop(settings: TransportSettings, group: any EventLoopGroup, link: TransportLink) async {
        while !state.withLock({ $0.stopped }) {
            await connectOnce(settings: settings, group: group, link: link)
            if state.withLock({ $0.stopped }) { break }
            guard let pacer = state.withLock({ $0.pacer }) else { break }
            let delay = pacer.nextDelay()
            logger.info("reconnecting in \(DecimalText.fixed(delay.seconds, digits: 2)) s")
            await pacer.wait(delay)
        }
    }

    private func connectOnce(settings: TransportSettings, group: any EventLoopGroup, link: TransportLink) async {
        state.withLock { $0.attempts += 1 }
        let opened: any EngineIOLink
        do {
            opened = try await open(settings: settings, group: group)
        } catch {
            state.withLock { s in
                s.lastError = error.message
                s.lastErrorCode = error.code
            }
            logger.warning("connection attempt failed: \(error.code): \(error.message)")
            link.state("error", ["reason": .string(error.message), "code": .string(error.code)])
            return
        }
        let session = CloudSession(link: link, logger: logger) { [weak self] session, sid in
            self?.connected(session, sid: sid, link: link)
        }
        // Decided under the lock that `stop` takes: either stop sees this session and closes
        // it, or this attempt sees the stop and only closes the link it opened.
        let proceed = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            s.current = session
            s.linkName = opened.name
            return true
        }
        guard proceed else {
            // Running an empty body closes the link; a failure there changes nothing.
            try? await opened.run { _ in }
            return
        }
        do {
            try await opened.run { io in await session.run(io) }
        } catch {
            session.endReason.withLock { if $0 == nil { $0 = "\(error.code): \(error.message)" } }
        }
        let reason = session.endReason.withLock { $0 } ?? "connection closed"
        let leftovers = session.leftovers.withLock { $0 } + session.outbox.close()
        let wasConnected = state.withLock { s -> Bool in
            let was = s.session === session
            if was { s.session = nil }
            s.current = nil
            s.sid = nil
            s.lastError = reason
            s.lastErrorCode = was ? "disconnected" : "handshake_failed"
            s.queue.prepend(leftovers.compactMap { $0.requeue?.payloadJSON })
            return was
        }
        for frame in leftovers { frame.waiter?(false) }
        if wasConnected, state.withLock({ $0.stopped }) {
            logger.info("closed the link to the cloud")
            link.state("disconnected", ["reason": .string(reason)])
        } else if wasConnected {
            logger.warning("disconnected from the cloud: \(reason)")
            link.state("disconnected", ["reason": .string(reason)])
        } else {
            logger.warning("connection attempt failed: \(reason)")
            // Reported like a failed open: the attempt ended without a session (the host's
            // systemd readiness and the connected gauge see it).
            link.state("error", ["reason": .string(reason), "code": "handshake_failed"])
        }
    }

    /// Reads the identity, builds TLS and the route, and opens the link.
    private func open(settings: TransportSettings, group: any EventLoopGroup) async throws(PluginError) -> any EngineIOLink {
        let identity = try ClientIdentity.load(certPath: settings.certPath, keyPath: settings.keyPath)
        let warning = identity.validityWarning()
        if let warning { logger.warning("\(warning)") }
        state.withLock { s in
            s.agentID = identity.agentID
            s.certExpiresInDays = identity.expiresInDays()
            s.certWarning = warning
        }
        let route = try settings.proxy.map { proxy throws(PluginError) in
            ProxyRoute(url: proxy, authorization: try ProxyCredentials.authorization(for: proxy, file: settings.proxyCredentialsFile))
        }
        let timeout = TimeAmount.milliseconds(Int64(settings.connectTimeoutMilliseconds))
        let connector = CloudConnector(
            host: settings.host, port: settings.port, proxy: route, tls: try TLSSetup.context(settings, identity),
            group: group, timeout: timeout)
        return try await LinkOpener(mode: settings.mode, connector: connector, path: settings.path, logger: logger, timeout: timeout).open()
    }

    /// Socket.IO CONNECT acknowledged: live. Queued events go out first, in order.
    private func connected(_ session: CloudSession, sid: String, link: TransportLink) {
        let live = state.withLock { s -> (String?, Int)? in
            // Stopping: the session is closing; it must not take the queue with it.
            guard !s.stopped else { return nil }
            s.session = session
            s.sid = sid
            s.connects += 1
            s.lastError = nil
            s.pacer?.connected()
            let queued = s.queue.drain()
            for text in queued { session.outbox.push(.init(text: text, requeue: ("", text), waiter: nil)) }
            return (s.agentID, queued.count)
        }
        guard let (agentID, flushed) = live else { return }
        logger.notice("connected to the cloud", metadata: ["sid": "\(sid)", "agent_id": "\(agentID ?? "?")", "flushed": "\(flushed)"])
        link.state("connected", ["sid": .string(sid), "agent_id": agentID.map { .string($0) } ?? .null])
    }
}

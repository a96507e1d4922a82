import AgentJSON
import Logging
import NIOCore
import NIOPosix
import NetmonCache
import Synchronization

/// The connection to the netmon sidecar: one unix-socket link, kept up forever, over which
/// commands and events share one NDJSON stream (a request/response multiplexer, spec §12 item 1).
///
/// - Reading never stops: every line goes to ``received(_:)`` as it arrives; events are passed
///   to `onSignal`, replies resume the command waiting for them (matched by id, or oldest-first
///   for a peer that echoes no id — see ``CommandLedger``).
/// - Reconnecting: after a failed attempt or a lost link the client waits `reconnect_ms`, doubling
///   up to 5 s after each failure; the delay starts over once the sidecar sent an event.
/// - Commands fail at once with `netmon_unavailable` when there is no link or the link is lost,
///   with `netmon_timeout` after `command_timeout_ms`, with `cancelled` at shutdown.
///
/// Thread-safe; `onSignal` is called on the connection's event loop, one call at a time.
final class NetmonClient: Sendable {
    typealias Waiter = CheckedContinuation<Result<JSONObject, NetmonError>, Never>

    let settings: NetmonSettings
    let logger: Logger
    private let group: any EventLoopGroup
    private let onSignal: @Sendable (ClientSignal) -> Void
    private let state: Mutex<State>

    private struct State: Sendable {
        var stopped = false
        var started = false
        /// Number of the latest connection attempt; a handler of an older one is ignored.
        var attempt: UInt64 = 0
        var channel: (any Channel)?
        var ledger = CommandLedger<Waiter>()
        var nextID: UInt64 = 1
        var delayMilliseconds: Int
        var retry: Scheduled<Void>?
        /// Successful connections so far.
        var connections = 0
        /// Whether the current outage was already logged (later failures log at debug).
        var outageLogged = false
    }

    /// - Parameter onSignal: receives connection changes and events (see ``ClientSignal``).
    init(settings: NetmonSettings, logger: Logger, onSignal: @escaping @Sendable (ClientSignal) -> Void) {
        self.settings = settings
        self.logger = logger
        self.onSignal = onSignal
        // The process's event loop group (NIO's singleton, sized by the agent before it loads plugins).
        self.group = MultiThreadedEventLoopGroup.singleton
        self.state = Mutex(State(delayMilliseconds: settings.reconnectMilliseconds))
    }

    /// Whether a link to the sidecar is up.
    var isConnected: Bool { state.withLock { $0.channel != nil } }

    /// Successful connections so far (the first one included).
    var connections: Int { state.withLock { $0.connections } }

    /// Starts connecting in the background (idempotent). Returns at once.
    func start() {
        let first = state.withLock { s -> Bool in
            defer { s.started = true }
            return !s.started && !s.stopped
        }
        if first { group.next().execute { self.connect() } }
    }

    /// Closes the link, stops reconnecting and fails the waiting commands with `cancelled`.
    /// Returns once the connection's event loop has stopped (no `onSignal` after).
    func stop() async {
        let (channel, retry, waiters, first) = state.withLock { s in
            let first = !s.stopped
            s.stopped = true
            let out = (s.channel, s.retry, s.ledger.drain(), first)
            s.channel = nil
            s.retry = nil
            return out
        }
        guard first else { return }
        retry?.cancel()
        for w in waiters { w.resume(returning: .failure(NetmonError(.cancelled, "the netmon listener is shutting down"))) }
        try? await channel?.close()  // harmless: shutting down; a channel already closed is the goal
    }

    // MARK: commands

    /// Sends one command and waits for its reply.
    /// - Parameter command: `{"command": NAME, ...fields}`; any `id` is replaced by a fresh one.
    /// - Returns: the reply object without its `id` (whatever its `success`).
    /// - Throws: ``NetmonError`` `netmon_unavailable`, `netmon_timeout` or `cancelled`.
    func send(_ command: JSONObject) async throws(NetmonError) -> JSONObject {
        let timeout = TimeAmount.milliseconds(Int64(settings.commandTimeoutMilliseconds))
        let result = await withCheckedContinuation { (waiter: Waiter) in
            let sent = state.withLock { s -> Bool in
                guard !s.stopped, let channel = s.channel else { return false }
                let id = s.nextID
                s.nextID += 1
                s.ledger.add(id: String(id), waiter: waiter)
                var message = command
                message["id"] = .number(Double(id))
                let bytes = JSONWriter.bytes(.object(message)) + [UInt8(ascii: "\n")]
                // Enqueued under the lock, so the wire order is the ledger's order (a peer that
                // echoes no id is matched oldest-first). `execute` only queues: nothing of ours
                // runs inside the lock.
                channel.eventLoop.execute {
                    channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenFailure { error in
                        self.abandon(String(id), NetmonError(.unavailable, "sending to the netmon sidecar failed: \(error)"))
                    }
                    channel.eventLoop.scheduleTask(in: timeout) {
                        self.abandon(
                            String(id),
                            NetmonError(.timeout, "the netmon sidecar did not answer within \(self.settings.commandTimeoutMilliseconds) ms"))
                    }
                }
                return true
            }
            if !sent {
                waiter.resume(returning: .failure(NetmonError(.unavailable, "not connected to the netmon sidecar at \(settings.socketPath)")))
            }
        }
        return try result.get()
    }

    /// Gives up on command `id` (if it still waits) with `error`.
    private func abandon(_ id: String, _ error: NetmonError) {
        state.withLock { $0.ledger.abandon(id: id) }?.resume(returning: .failure(error))
    }

    // MARK: connection (called on the event loop)

    private func connect() {
        let attempt = state.withLock { s -> UInt64? in
            guard !s.stopped else { return nil }
            s.retry = nil
            s.attempt += 1
            return s.attempt
        }
        guard let attempt else { return }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LineChannelHandler(attempt: attempt, client: self))
                }
            }
        bootstrap.connect(unixDomainSocketPath: settings.socketPath).whenFailure { error in
            self.attemptFailed(attempt, error)
        }
    }

    private func attemptFailed(_ attempt: UInt64, _ error: any Error) {
        let (delay, firstOfOutage) = state.withLock { s -> (Int?, Bool) in
            guard attempt == s.attempt else { return (nil, false) }
            let first = !s.outageLogged
            s.outageLogged = true
            return (scheduleRetry(&s), first)
        }
        guard let delay else { return }
        let message: Logger.Message = "netmon sidecar not reachable at \(settings.socketPath): \(error); retrying in \(delay) ms"
        if firstOfOutage { logger.warning(message) } else { logger.debug(message) }
        onSignal(.unreachable)
    }

    /// The handler of connection `attempt` became active.
    func linkUp(attempt: UInt64, channel: any Channel) {
        let accepted = state.withLock { s -> Bool in
            guard !s.stopped, attempt == s.attempt else { return false }
            s.channel = channel
            s.connections += 1
            s.outageLogged = false
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        logger.info("connected to the netmon sidecar", metadata: ["socket": "\(settings.socketPath)"])
        onSignal(.connected)
    }

    /// The handler of connection `attempt` became inactive.
    func linkDown(attempt: UInt64) {
        let outcome = state.withLock { s -> (waiters: [Waiter], delay: Int?)? in
            guard attempt == s.attempt, s.channel != nil else { return nil }
            s.channel = nil
            let waiters = s.ledger.drain()
            return (waiters, s.stopped ? nil : scheduleRetry(&s))
        }
        guard let outcome else { return }
        let lost = NetmonError(.unavailable, "the link to the netmon sidecar was lost")
        for w in outcome.waiters { w.resume(returning: .failure(lost)) }
        if let delay = outcome.delay { logger.warning("lost the netmon sidecar; reconnecting in \(delay) ms") }
        onSignal(.disconnected)
    }

    /// Schedules the next attempt after the current delay and doubles the delay (capped).
    /// - Returns: the delay used, in milliseconds.
    private func scheduleRetry(_ s: inout State) -> Int {
        let delay = s.delayMilliseconds
        s.delayMilliseconds = min(delay * 2, settings.maxReconnectMilliseconds)
        s.retry = group.next().scheduleTask(in: .milliseconds(Int64(delay))) { self.connect() }
        return delay
    }

    // MARK: lines (called on the event loop)

    /// One complete line from the sidecar.
    func received(_ line: [UInt8]) {
        switch NetmonMessage.parse(line) {
        case .event(let type, let data):
            state.withLock { $0.delayMilliseconds = settings.reconnectMilliseconds }
            onSignal(.event(type: type, data: data))
        case .reply(let id, let body):
            if let waiter = state.withLock({ $0.ledger.resolve(replyID: id) }) {
                waiter.resume(returning: .success(body))
            } else if body["success"]?.boolValue == false {
                // E.g. the sidecar's peer check: {"success":false,"code":"peer_refused",…}.
                logger.warning(
                    "netmon sent an error that answers no waiting command: \(body["error"]?.stringValue ?? "?")",
                    metadata: ["code": "\(body["code"]?.stringValue ?? "-")"])
            } else {
                logger.debug("netmon reply for no waiting command dropped", metadata: ["id": "\(id ?? "-")"])
            }
        case .invalid(let reason):
            logger.debug("netmon line skipped: \(reason)")
        }
    }
}

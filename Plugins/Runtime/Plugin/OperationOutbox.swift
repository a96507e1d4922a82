import AgentClock
import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel
import Synchronization

/// Sends the completion events in the outbox (`outbox/<operation id>`, RuntimeStore+Outbox.swift)
/// as `operation_update`, at least once.
///
/// `host.emit` succeeds once the transport has the event: it writes it to a live link at once,
/// or keeps it in its memory queue while disconnected (bounded; gone if the agent stops). So an
/// entry is removed only after an emit *and* a `status` of the transport saying `connected`
/// (a transport drains its queue into the session before it says so), and not before
/// ``settle`` has passed since the emit: a SIGKILL right after the hand-over, with the frame
/// still in the transport's queue or the socket buffer, lost an event in a fault run (1 in 20
/// kills). Until then it stays, and a pump re-checks with a growing delay (``firstDelay`` …
/// ``lastDelay``). An emit the host
/// refuses (no transport and nobody observing) is tried again the same way. At plugin start
/// every entry left is sent again (``start()``): an agent that died between the journaled end and
/// the emit, or before the link came back, sends the event then. The receiver deduplicates by
/// `operation_id` and `status` (docs/cloud-protocol.md).
final class OperationOutbox: Sendable {
    static let topic = "operation_update"
    static let firstDelay = Duration.milliseconds(500)
    static let lastDelay = Duration.seconds(15)
    /// How long a handed-over event stays in the outbox before a confirmed link removes it: far
    /// longer than a write to a live link takes; a kill within it sends the event again at the
    /// next start (the receiver deduplicates).
    static let settle = Duration.seconds(1)

    private let host: PluginHost
    private let store: RuntimeStore
    /// The pump's time (its retry delays).
    private let clock: any AgentClock
    private let kicks: AsyncStream<Void>.Continuation
    private let stream: Mutex<AsyncStream<Void>?>
    private let state = Mutex(State())

    private struct State {
        /// Emitted in this process (the host took them), with when; removed once the link is
        /// confirmed and ``settle`` has passed.
        var handed: [String: ClockInstant] = [:]
        /// Being emitted right now (claimed by one caller, so an event is emitted once per try).
        var emitting: Set<String> = []
        var pump: Task<Void, Never>?
    }

    init(host: PluginHost, store: RuntimeStore, clock: any AgentClock = SystemClock()) {
        self.host = host
        self.store = store
        self.clock = clock
        let (stream, kicks) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.stream = Mutex(stream)
        self.kicks = kicks
    }

    /// Starts the pump, which first sends every entry left from before (recovery). Idempotent.
    func start() {
        let stream = self.stream.withLock { s in
            defer { s = nil }
            return s
        }
        guard let stream else { return }
        let task = Task { [self] in await self.pump(stream) }
        state.withLock { $0.pump = task }
        kicks.yield()
    }

    /// Emits the event of `id` now (it was just written by `finish`), then lets the pump remove
    /// the entry once the link is confirmed, or retry it.
    func deliver(_ id: String, _ event: JSONObject) {
        emit(id, event)
        kicks.yield()
    }

    /// Stops the pump (plugin shutdown); entries left are sent at the next start.
    func stop() async {
        kicks.finish()
        let task = state.withLock { s in
            defer { s.pump = nil }
            return s.pump
        }
        task?.cancel()
        await task?.value
    }

    // MARK: the pump

    private func pump(_ stream: AsyncStream<Void>) async {
        var wakeups = stream.makeAsyncIterator()
        var delay = Self.firstDelay
        while !Task.isCancelled {
            if await sendAll() {
                delay = Self.firstDelay
                guard await wakeups.next() != nil else { return }
            } else {
                do { try await clock.sleep(for: delay) } catch { return }  // cancelled: the plugin stops
                delay = min(delay * 2, Self.lastDelay)
            }
        }
    }

    /// One pass: emits every entry not yet handed over, then removes the handed ones when the
    /// link is confirmed. Answers whether the outbox is empty.
    func sendAll() async -> Bool {
        let entries: [(id: String, event: JSONObject)]
        do { entries = try store.outbox() } catch {
            host.log(.error, "could not read the outbox", metadata: ["error": error.message])
            return false
        }
        if entries.isEmpty { return true }
        for (id, event) in entries where state.withLock({ $0.handed[id] == nil }) { emit(id, event) }
        guard await linkConfirmed() else { return false }
        let present = Set(entries.map(\.id))
        let now = clock.now
        let done = state.withLock { s in
            Set(s.handed.filter { present.contains($0.key) && $0.value.duration(to: now) >= Self.settle }.keys)
        }
        if done.isEmpty { return false }
        do { try store.removeFromOutbox(done.sorted()) } catch {
            host.log(.error, "could not remove sent events from the outbox", metadata: ["error": error.message])
            return false
        }
        state.withLock { s in for id in done { s.handed[id] = nil } }
        return done.count == entries.count
    }

    /// Emits one event unless another caller is emitting it; records it as handed when the host
    /// took it.
    private func emit(_ id: String, _ event: JSONObject) {
        guard state.withLock({ s in s.emitting.insert(id).inserted }) else { return }
        defer { state.withLock { s in _ = s.emitting.remove(id) } }
        do {
            try host.emit(Self.topic, event)
            let now = clock.now
            state.withLock { s in s.handed[id] = now }
        } catch {
            host.log(.debug, "operation_update not handed over; kept in the outbox", metadata: ["operation": id, "error": error.message])
        }
    }

    /// Whether the transport is loaded and says `connected` (its queue then went into the live
    /// session). Without a transport nothing reaches the cloud: the entries stay for a later start.
    private func linkConfirmed() async -> Bool {
        guard let transport = host.lookup("agent.transport") else { return false }
        // A transport that cannot answer `status` now is treated as not connected: retried.
        guard let status = try? await transport.invoke("status") else { return false }
        return status.objectValue?["connected"]?.boolValue == true
    }
}

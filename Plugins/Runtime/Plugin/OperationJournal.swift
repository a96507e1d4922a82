import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel
import Synchronization

/// The operations' bookkeeping, shared by everything that runs one (the runner, network moves,
/// recovery, the lifecycle's restarts): operation ids, the per-device queue, the operations
/// queued or running in this process, and the journal writes of each step and of the end (with
/// its completion event, through the outbox).
///
/// Owns: the ``DeviceQueue``, the ``ActiveOperations`` and the id counter. The durable journal
/// itself is the store's (`op/<id>`, ``RuntimeStore``).
final class OperationJournal: Sendable {
    let host: PluginHost
    let store: RuntimeStore
    /// Completion events, durable until handed to a connected transport.
    let outbox: OperationOutbox
    /// Fault injection (`fault_injection.pause_at_step`): the step to pause at, and how long.
    let pauseAtStep: String?
    let pauseMilliseconds: Int
    private let queue = DeviceQueue()
    private let live = ActiveOperations()
    private let counter = Atomic<UInt64>(0)

    init(host: PluginHost, store: RuntimeStore, outbox: OperationOutbox, settings: RuntimeSettings) {
        self.host = host
        self.store = store
        self.outbox = outbox
        pauseAtStep = settings.pauseAtStep
        pauseMilliseconds = settings.pauseMilliseconds
    }

    /// A new operation id, sortable by time: `<epoch ms, 13 digits>-<counter>`.
    func newOperationID() -> String {
        let ms = UInt64(WallClock.now() * 1000)
        let n = counter.add(1, ordering: .relaxed).newValue
        let t = String(ms)
        return String(repeating: "0", count: max(0, 13 - t.count)) + t + "-" + String(n)
    }

    // MARK: the queue

    /// Runs `work` after everything queued before it under `key` (a device id, or
    /// `@parent/<interface>` for a parent's network check); returns at once.
    func enqueue(_ key: String, _ work: @escaping @Sendable () async -> Void) async {
        await queue.enqueue(key, work)
    }

    /// Waits until nothing is queued or running under `key`.
    func drain(_ key: String) async { await queue.drain(key) }

    // MARK: operations in this process

    /// Records `op` as queued or running (or its new step) for status queries.
    func begin(_ op: OperationRecord) async { await live.begin(op) }

    /// Whether an operation of `device` is queued or running in this process.
    func isActive(_ device: String) async -> Bool { await live.isActive(device) }

    /// The running operation of `device`, else its next queued one.
    func active(_ device: String) async -> OperationRecord? { await live.active(device) }

    /// The newest journal entry of `device` (live first, then the store); nil when the journal
    /// cannot be read (logged).
    func lastOperation(_ device: String) async -> OperationRecord? {
        if let op = await live.active(device) { return op }
        do { return try store.operations().last { $0.deviceID == device } } catch {
            // Answered as "none known" for this query, but not silently.
            host.log(.error, "could not read the journal", metadata: ["device": device, "code": error.code, "error": error.message])
            return nil
        }
    }

    // MARK: journal writes

    /// Records the step and makes it durable before the step's work starts.
    /// - Throws: the store's error (the step's work must then not run).
    func step(_ op: inout OperationRecord, _ name: String) async throws(RuntimeError) {
        op.step = name
        op.updatedAt = WallClock.iso(WallClock.now())
        try store.put(op)
        await live.begin(op)
        if pauseAtStep == name {
            host.log(.warning, "fault injection: pausing", metadata: ["step": name, "ms": String(pauseMilliseconds)])
            try? await Task.sleep(for: .milliseconds(pauseMilliseconds))  // harmless: fault injection's pause; a cancellation only shortens it
        }
    }

    /// Ends `op`: journals its end (with the device change) and its completion event in one
    /// atomic write, ends it in memory (so a status query after the event sees it ended), then
    /// hands the event over through the outbox. An agent that dies after the write sends the
    /// event at its next start.
    /// - Throws: the store's error when it could not take the end; `op` is then ended in memory
    ///   and its event emitted directly, best effort.
    func conclude(_ op: OperationRecord, device: DeviceRecord?, deleteDevice: Bool = false) async throws(RuntimeError) {
        let event = op.updateEvent
        do { try store.finish(op, device: device, deleteDevice: deleteDevice, event: event) } catch {
            await live.end(op)
            emitUpdate(op)
            throw error
        }
        await live.end(op)
        outbox.deliver(op.id, event)
    }

    /// Emits `operation_update` for `op` directly, without the outbox (best effort: used only
    /// when the end could not be journaled).
    func emitUpdate(_ op: OperationRecord) {
        do { try host.emit("operation_update", op.updateEvent) } catch {
            host.log(.debug, "operation_update not sent", metadata: ["error": error.message])
        }
    }
}

import AgentClock
import AgentJSON
import AgentPluginKit
import HostMetrics
import Logging
import RuntimeModel
import Synchronization

/// The vPLC manager: accepts commands, journals them, runs them per device in order, and keeps
/// vPLCs in their desired state. One per plugin instance.
final class VPLCService: Sendable {
    let host: PluginHost
    let engine: Engine
    let store: RuntimeStore
    /// Completion events, durable until handed to a connected transport.
    let outbox: OperationOutbox
    let settings: RuntimeSettings
    let queue = DeviceQueue()
    let live = LiveState()
    let proxy = RuntimeProxy()
    let netmon: Netmon
    let netState = NetworkState()
    /// Network changes and first attachments, one at a time across devices.
    let networkGate = NetworkGate()
    private let opCounter = Atomic<UInt64>(0)
    /// Counts the engine event stream's (re)openings: a vPLC death seen before a reopening went
    /// with the engine, not a crash of its own.
    let engineEpoch = Atomic<Int>(0)
    /// Background tasks (lifecycle, usage), cancelled at shutdown.
    let background = Mutex<[Task<Void, Never>]>([])

    /// The lifecycle's time: health-check period, restart delay, crash-loop window, usage period.
    let clock: any AgentClock

    init(host: PluginHost, settings: RuntimeSettings, clock: any AgentClock = SystemClock()) {
        self.host = host
        self.settings = settings
        self.clock = clock
        engine = Engine(host: host, driverName: settings.driverName)
        store = RuntimeStore(host: host)
        outbox = OperationOutbox(host: host, store: store, clock: clock)
        netmon = Netmon(host: host)
    }

    /// A new operation id, sortable by time: `<epoch ms, 13 digits>-<counter>`.
    func newOperationID() -> String {
        let ms = UInt64(WallClock.now() * 1000)
        let n = opCounter.add(1, ordering: .relaxed).newValue
        let t = String(ms)
        return String(repeating: "0", count: max(0, 13 - t.count)) + t + "-" + String(n)
    }

    // MARK: accepting commands

    /// Journals a mutating command and queues it; answers the ack at once. A repeated
    /// `correlation_id` for the same topic and device gets the recorded ack, and nothing runs.
    func submit(
        topic: String, kind: OperationRecord.Kind, device: String, message: JSONObject, request: JSONObject? = nil,
        ack: (OperationRecord) -> JSONObject
    ) async throws(RuntimeError) -> JSONObject {
        let correlation = message["correlation_id"] ?? .null
        let key = RuntimeStore.requestKey(topic: topic, device: device, correlation: correlation)
        if let key, var recorded = try store.recordedAck(key) {
            recorded["replayed"] = true
            return recorded
        }
        let op = OperationRecord(
            id: newOperationID(), deviceID: device, kind: kind, correlationID: correlation, now: WallClock.iso(WallClock.now()),
            request: request)
        var answer = ack(op)
        answer["operation_id"] = .string(op.id)
        try store.accept(op, ackKey: key, ack: answer)
        await live.begin(op)
        await queue.enqueue(device) { [self] in await self.run(op) }
        return answer
    }

    /// Runs one journaled operation to its end (success, failure or rollback), then tells the
    /// cloud with `operation_update` (through the outbox: ``conclude(_:device:deleteDevice:)``).
    func run(_ queued: OperationRecord) async {
        var op = queued
        op.state = .running
        op.updatedAt = WallClock.iso(WallClock.now())
        do { try store.put(op) } catch {
            // It runs anyway (it was accepted). The journal still says "queued": an agent stopped
            // meanwhile runs it again at start (device operations are idempotent; an upgrade is
            // failed instead), as for one stopped before it began.
            host.log(.error, "could not journal that an operation started", metadata: ["operation": op.id, "error": error.message])
        }
        await live.begin(op)
        var device: DeviceRecord? = nil
        var deleteDevice = false
        var rollbackLater = false
        do throws(RuntimeError) {
            switch op.kind {
            case .create: device = try await performCreate(&op)
            case .delete:
                try await performDelete(&op)
                deleteDevice = true
            case .start, .stop, .restart: device = try await performPower(&op)
            case .selfDestruct: try await performSelfDestruct(&op)
            case .upgrade: try await performUpgrade(&op)
            case .reattach:
                // Interrupted by an agent restart: the sidecar's discovery on reconnect decides
                // again from the LAN as it is then.
                op.step = "superseded"
            }
            op.state = .succeeded
        } catch {
            op.error = error
            let madeSomething = op.madeSomething
            op.state = op.kind == .create && madeSomething ? .rolledBack : .failed
            if op.kind == .create && madeSomething {
                do throws(RuntimeError) { try await rollback(op) } catch {
                    op.state = .failed
                    op.error = RuntimeError(
                        op.error?.code ?? "create_failed",
                        "\(op.error?.message ?? ""); rollback incomplete: \(error.message)")
                    rollbackLater = !oneShot
                }
            }
            host.log(.error, "operation failed", metadata: ["device": op.deviceID, "operation": op.kind.rawValue, "error": error.description])
        }
        op.updatedAt = WallClock.iso(WallClock.now())
        do { try await conclude(op, device: device, deleteDevice: deleteDevice) } catch {
            host.log(.critical, "could not journal the end of an operation", metadata: ["operation": op.id, "error": error.message])
        }
        if rollbackLater {
            let service = self, failed = op
            await queue.enqueue(op.deviceID) { await service.retryRollback(failed) }
        }
        if op.state == .succeeded, [.create, .start, .restart].contains(op.kind) {
            // The engine's `start` event does this too; a missed event must not leave a DHCP
            // vNIC without its client (both paths are idempotent).
            let service = self, device = op.deviceID
            Task { await service.onContainerStarted(device) }
        }
    }

    /// Records the step and makes it durable before the step's work starts.
    func step(_ op: inout OperationRecord, _ name: String) async throws(RuntimeError) {
        op.step = name
        op.updatedAt = WallClock.iso(WallClock.now())
        try store.put(op)
        await live.begin(op)
        if settings.pauseAtStep == name {
            host.log(.warning, "fault injection: pausing", metadata: ["step": name, "ms": String(settings.pauseMilliseconds)])
            try? await Task.sleep(for: .milliseconds(settings.pauseMilliseconds))  // harmless: fault injection's pause; a cancellation only shortens it
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

    /// The newest journal entry of `device` (live first, then the store).
    func lastOperation(_ device: String) async -> OperationRecord? {
        if let op = await live.active(device) { return op }
        do { return try store.operations().last { $0.deviceID == device } } catch {
            // Answered as "none known" for this query, but not silently.
            host.log(.error, "could not read the journal", metadata: ["device": device, "code": error.code, "error": error.message])
            return nil
        }
    }

    func shutdown() async {
        let tasks = background.withLock { t in
            let all = t
            t.removeAll()
            return all
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
        await outbox.stop()
    }
}

/// In-memory state: active operations, crash-loop guards, usage history.
actor LiveState {
    /// Queued and running operations per device, in arrival order.
    private var activeOps: [String: [OperationRecord]] = [:]
    private var guards: [String: CrashLoopGuard] = [:]
    private var usage: [String: UsageHistory] = [:]
    private var lastStats: [String: (cpu: Double, system: Double)] = [:]
    /// The last usage pass: how long it took and how many vPLCs it sampled.
    private(set) var lastPass: (milliseconds: Double, vplcs: Int)? = nil

    func recordPass(milliseconds: Double, vplcs: Int) { lastPass = (milliseconds, vplcs) }

    /// Adds a queued operation or updates one (new step or state).
    func begin(_ op: OperationRecord) {
        var list = activeOps[op.deviceID] ?? []
        if let i = list.firstIndex(where: { $0.id == op.id }) { list[i] = op } else { list.append(op) }
        activeOps[op.deviceID] = list
    }

    func end(_ op: OperationRecord) {
        let list = (activeOps[op.deviceID] ?? []).filter { $0.id != op.id }
        activeOps[op.deviceID] = list.isEmpty ? nil : list
    }

    /// The running operation of `device`, else the next queued one.
    func active(_ device: String) -> OperationRecord? {
        let list = activeOps[device] ?? []
        return list.first { $0.state == .running } ?? list.first
    }

    func isActive(_ device: String) -> Bool { activeOps[device] != nil }

    /// Asks the device's crash-loop guard for one more restart.
    func allowRestart(_ device: String, limit: Int, window: Double, now: Double) -> Bool {
        var g = guards[device] ?? CrashLoopGuard(limit: limit, window: window)
        let ok = g.allowRestart(now: now)
        guards[device] = g
        return ok
    }

    func resetGuard(_ device: String) { guards[device] = nil }

    /// Adds a stats sample; returns the CPU percentage when a previous sample exists.
    func addStats(_ device: String, now: Double, cpuNs: Double, systemNs: Double, cpus: Double, memoryMB: Double) {
        var cpu = 0.0
        if let prev = lastStats[device], systemNs > prev.system, cpuNs >= prev.cpu {
            cpu = (cpuNs - prev.cpu) / (systemNs - prev.system) * max(1, cpus) * 100
        }
        lastStats[device] = (cpuNs, systemNs)
        var h = usage[device] ?? UsageHistory()
        h.append(.init(timestamp: now, cpuPercent: cpu, memoryMB: memoryMB))
        usage[device] = h
    }

    func history(_ device: String) -> UsageHistory? { usage[device] }

    func forget(_ device: String) {
        usage[device] = nil
        lastStats[device] = nil
        guards[device] = nil
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Accepts mutating commands and runs each journaled operation to its end: journals it with its
/// ack (a repeated `correlation_id` replays the ack), queues it on its device, runs the kind's
/// performer, rolls a failed create back, and concludes it (journal, device change and
/// `operation_update` in one write). Owns no state: the bookkeeping is the ``OperationJournal``'s.
struct OperationRunner: Sendable {
    let host: PluginHost
    let store: RuntimeStore
    let journal: OperationJournal
    let create: CreateOperation
    let rollback: CreateRollback
    let devices: DeviceOperations
    let selfDestruct: SelfDestruct
    let upgrade: UpgradeLauncher
    /// The network work after a container started (MACs, DHCP clients, a dedicated NIC).
    let containerStarted: @Sendable (String) async -> Void

    /// Journals a mutating command and queues it; answers the ack at once (with
    /// `operation_id`). A repeated `correlation_id` for the same topic and device gets the
    /// recorded ack with `replayed: true`, and nothing runs.
    /// - Throws: the store's error (nothing was journaled; nothing runs).
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
            id: journal.newOperationID(), deviceID: device, kind: kind, correlationID: correlation, now: WallClock.iso(WallClock.now()),
            request: request)
        var answer = ack(op)
        answer["operation_id"] = .string(op.id)
        try store.accept(op, ackKey: key, ack: answer)
        await journal.begin(op)
        let runner = self
        await journal.enqueue(device) { await runner.run(op) }
        return answer
    }

    /// In a one-shot process, waits for the device's queue and adds the outcome as `result`;
    /// the ack unchanged otherwise (and for a replayed ack).
    /// - Throws: the store's error reading the journal.
    func finishIfOneShot(_ ack: JSONObject, device: String) async throws(RuntimeError) -> JSONObject {
        guard host.isOneShot, ack["replayed"] == nil else { return ack }
        await journal.drain(device)
        var out = ack
        if let id = ack["operation_id"]?.stringValue, let op = try store.operations().first(where: { $0.id == id }) {
            out["result"] = .object(op.updateEvent)
        }
        return out
    }

    /// Runs one journaled operation to its end (success, failure or rollback), then tells the
    /// cloud with `operation_update` (through the outbox: ``OperationJournal/conclude(_:device:deleteDevice:)``).
    /// Runs on the operation's device queue.
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
        await journal.begin(op)
        var device: DeviceRecord? = nil
        var deleteDevice = false
        var rollbackLater = false
        do throws(RuntimeError) {
            switch op.kind {
            case .create: device = try await create.perform(&op)
            case .delete:
                try await devices.delete(&op)
                deleteDevice = true
            case .start, .stop, .restart: device = try await devices.power(&op)
            case .selfDestruct:
                let runner = self
                try await selfDestruct.perform(&op, runDelete: { await runner.run($0) })
            case .upgrade: try await upgrade.perform(&op)
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
                do throws(RuntimeError) { try await rollback.rollback(op) } catch {
                    op.state = .failed
                    op.error = RuntimeError(
                        op.error?.code ?? "create_failed",
                        "\(op.error?.message ?? ""); rollback incomplete: \(error.message)")
                    rollbackLater = !host.isOneShot
                }
            }
            host.log(.error, "operation failed", metadata: ["device": op.deviceID, "operation": op.kind.rawValue, "error": error.description])
        }
        op.updatedAt = WallClock.iso(WallClock.now())
        do { try await journal.conclude(op, device: device, deleteDevice: deleteDevice) } catch {
            host.log(.critical, "could not journal the end of an operation", metadata: ["operation": op.id, "error": error.message])
        }
        if rollbackLater {
            let rollback = self.rollback, failed = op
            await journal.enqueue(op.deviceID) { await rollback.retry(failed) }
        }
        if op.state == .succeeded, [.create, .start, .restart].contains(op.kind) {
            // The engine's `start` event does this too; a missed event must not leave a DHCP
            // vNIC without its client (both paths are idempotent).
            let started = containerStarted, device = op.deviceID
            Task { await started(device) }
        }
    }
}

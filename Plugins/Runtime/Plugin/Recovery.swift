import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Runs once at start, before supervision: finishes or rolls back what the journal says was in
/// flight, removes what failed creates left, adopts labelled containers the store does not know,
/// and takes a Python-agent site over (once, ``Takeover``). Owns no state.
struct Recovery: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let runner: OperationRunner
    let rollback: CreateRollback
    let takeover: Takeover
    /// The ids of the operations an earlier process left active, read when the plugin was made
    /// (before any topic is served): the replay concerns only these, never an operation this
    /// process accepted while the replay waited for the driver. nil: the store could not be read
    /// then, and every active operation is replayed.
    let inherited: Set<String>?

    /// The ids of the active operations in the journal now, nil (logged) when it cannot be read.
    static func inheritedOperations(store: RuntimeStore, host: PluginHost) -> Set<String>? {
        do {
            return Set(try store.operations().filter(\.state.isActive).map(\.id))
        } catch {
            host.log(.warning, "cannot read the journal at start; the recovery replays every active operation", metadata: ["error": error.description])
            return nil
        }
    }

    /// The whole recovery, in order; stops at the first error (logged: the lifecycle manager
    /// retries what is left).
    func run() async {
        do throws(RuntimeError) {
            try await engine.waitForDriver(seconds: 30)
            try await replayJournal()
            let pending = try await removeLeftoversOfFailedCreates()
            try await adoptOrphans(skipping: pending)
            try await takeover.takeOverLegacySite()
        } catch {
            host.log(.error, "recovery incomplete; the lifecycle manager will retry", metadata: ["error": error.description])
        }
    }

    /// Interrupted creates are rolled back (their ack said "creating", the cloud learns the end
    /// from `operation_update` and `get_device_status`); a self-destruct that reached its last
    /// step (removing the agent's own container) is concluded as done; an interrupted upgrade is
    /// concluded as failed; every other interrupted or queued operation is run again (they are
    /// idempotent).
    /// - Throws: the store's error.
    func replayJournal() async throws(RuntimeError) {
        for var op in try store.operations() where op.state.isActive && inherited?.contains(op.id) != false {
            host.log(.warning, "resuming an interrupted operation", metadata: ["device": op.deviceID, "operation": op.kind.rawValue, "state": op.state.rawValue])
            if op.kind == .upgrade {
                // Never run again by itself: the cloud asks anew if it still wants it.
                op.state = .failed
                op.error = RuntimeError("interrupted", "the agent stopped during this upgrade before the upgrader took over")
                op.updatedAt = WallClock.iso(WallClock.now())
                try await journal.conclude(op, device: nil)
            } else if op.kind == .selfDestruct && op.step == SelfDestruct.selfRemovalStep {
                // Its last step removed the process that ran it: done. Running it again would
                // make an agent installed anew on the same state folder remove itself.
                op.state = .succeeded
                op.step = "removed_self"
                op.updatedAt = WallClock.iso(WallClock.now())
                try await journal.conclude(op, device: nil)
            } else if op.kind == .create && op.state == .running {
                do throws(RuntimeError) {
                    try await rollback.rollback(op)
                    op.state = .rolledBack
                    op.error = RuntimeError("interrupted", "the agent stopped during this create; what it had made was removed")
                } catch {
                    op.state = .failed
                    op.error = RuntimeError("interrupted", "the agent stopped during this create and the rollback failed: \(error.message)")
                }
                op.updatedAt = WallClock.iso(WallClock.now())
                try await journal.conclude(op, device: nil)
            } else {
                await journal.begin(op)
                let runner = self.runner, queued = op
                await journal.enqueue(op.deviceID) { await runner.run(queued) }
            }
        }
    }

    /// A create that failed and whose rollback could not run (the engine was away) leaves
    /// objects; its retry dies with the agent. Its journal entry stays `failed` with what it made
    /// (a rollback that ran clears that): on start, for each device with no record whose newest
    /// operation is such a create, the rollback runs again — those objects must not be adopted
    /// as a vPLC the cloud was told failed. Answers the devices whose rollback failed again (a
    /// retry is queued; adoption skips them).
    /// - Throws: the store's error.
    func removeLeftoversOfFailedCreates() async throws(RuntimeError) -> Set<String> {
        let known = Set(try store.records().map(\.deviceID))
        var newest: [String: OperationRecord] = [:]
        for op in try store.operations() { newest[op.deviceID] = op }  // oldest first
        var pending: Set<String> = []
        for (device, op) in newest.sorted(by: { $0.key < $1.key })
        where !known.contains(device) && op.kind == .create && op.state == .failed && op.madeSomething {
            do throws(RuntimeError) {
                try await rollback.rollback(op)
                try rollback.markRolledBack(op)
                host.log(.notice, "removed what a failed create had made", metadata: ["device": device, "operation": op.id])
            } catch {
                pending.insert(device)
                let rollback = self.rollback
                await journal.enqueue(device) { await rollback.retry(op) }
            }
        }
        return pending
    }

    /// Containers labelled as the agent's whose device has no record get one again, rebuilt
    /// from their labels (the create request is stored on the container) — except `skipping`.
    /// - Throws: the store's or the engine's error.
    func adoptOrphans(skipping: Set<String> = []) async throws(RuntimeError) {
        let known = Set(try store.records().map(\.deviceID))
        let list = try await engine.call("container.list", ["labels": [Naming.managedLabel: "true"]]).arrayValue ?? []
        for c in list {
            guard let o = c.objectValue, let labels = o["labels"]?.objectValue,
                labels[Naming.roleLabel]?.stringValue == "vplc", let device = labels[Naming.deviceLabel]?.stringValue,
                !known.contains(device), !skipping.contains(device), !(await journal.isActive(device))
            else { continue }
            // handled: an unparsable spec label leaves the container alone, logged below
            guard let text = labels["io.autonomy.spec.json"]?.stringValue,
                let specJSON = (try? JSONParser.parse(text))?.objectValue, let spec = try? DeviceSpec(stored: specJSON),  // handled: logged below
                let inspect = try await engine.inspect(device)
            else {
                host.log(.warning, "a labelled container has no readable spec; left alone", metadata: ["device": device])
                continue
            }
            let record = DeviceRecord.rebuilt(container: inspect, spec: spec, createdAt: WallClock.iso(WallClock.now()))
            try store.put(record)
            host.log(.notice, "re-adopted a vPLC from its container labels", metadata: ["device": device])
        }
    }
}

import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// Removes what a failed or interrupted create made — its container, its internal bridge, and
/// MACVLAN networks it made that nobody else uses — as its journal entry lists them: at once when
/// the create fails, later (``retry(_:)``) when the engine was away, and at start for an
/// interrupted create (``Recovery``). Owns no state.
struct CreateRollback: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let networks: EngineNetworks

    /// Removes what `op` (a create) made, holding the network gate. Idempotent.
    /// - Throws: the engine's error (what is left stays listed in `op`).
    func rollback(_ op: OperationRecord) async throws(RuntimeError) {
        try await networks.gate.run { () async throws(RuntimeError) in
            if let c = op.createdContainer {
                if let found = try await engine.inspect(c),
                    found["labels"]?.objectValue?[Naming.deviceLabel]?.stringValue == op.deviceID
                {
                    _ = try await engine.call("container.remove", ["id": .string(c), "force": true])
                }
            }
            for n in op.createdNetworks.reversed() {
                try await engine.removeNetworkIfUnused(n)
            }
        }
    }

    /// A failed create whose rollback could not run (typically: the engine was away, e.g. dockerd
    /// restarting) leaves objects no record knows. Runs next on the device's queue (before any
    /// later command for it) and tries the rollback again every 2 s for about two minutes, until
    /// it succeeds or a record of the device exists (then they are the device's, not orphans).
    func retry(_ op: OperationRecord) async {
        for _ in 0..<60 {
            try? await Task.sleep(for: .seconds(2))  // harmless: cancellation is checked next
            if Task.isCancelled { return }
            // Only objects no record knows are orphans: a record that cannot be read (logged) is
            // not "no record", so nothing is removed this round.
            switch store.recordForPass(op.deviceID, "create_rollback_retry") {
            case .success(nil): break
            case .success: return
            case .failure: continue
            }
            do throws(RuntimeError) {
                try await rollback(op)
                try markRolledBack(op)
                host.log(.notice, "removed what a failed create had made", metadata: ["device": op.deviceID, "operation": op.id])
                return
            } catch {
                host.log(.debug, "rollback of a failed create still impossible", metadata: ["device": op.deviceID, "error": error.message])
            }
        }
        host.log(.error, "gave up removing what a failed create had made", metadata: ["device": op.deviceID, "operation": op.id])
    }

    /// Journals that the objects `op` (a failed create) made are gone: its entry keeps its
    /// state and error as reported, and no longer lists them, so no later start removes them again.
    /// - Throws: the store's error.
    func markRolledBack(_ op: OperationRecord) throws(RuntimeError) {
        var done = op
        done.createdContainer = nil
        done.createdNetworks = []
        try store.put(done)
    }
}

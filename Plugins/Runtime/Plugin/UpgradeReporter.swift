import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// After an upgrade, in whichever agent starts next (the new one, or the previous one put
/// back): waits for the upgrader to finish, removes its container, then reports the helper's
/// `last.json` once as `operation_update` for `__orchestrator__` (and in the journal), and
/// renames it `last.reported.json`. Owns no state: `last.json` is this event's outbox.
struct UpgradeReporter: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal

    /// How long the report waits for a running upgrader (the longest deadline plus margin).
    static let upgraderWaitSeconds = Double(UpgradeRequest.deadlineRange.upperBound + 120)

    /// Starts ``reportOutcome()`` in the background (daemon start, or after spawning the upgrader).
    func start(in tasks: BackgroundTasks) {
        let reporter = self
        tasks.add(Task { await reporter.reportOutcome() })
    }

    /// Waits for the upgrader (at most ``upgraderWaitSeconds``), then reports `last.json` if there
    /// is one. An unreadable result is logged and left in place; a result the host refused to
    /// emit stays for the next start.
    func reportOutcome() async {
        let start = host.monotonicNanoseconds
        while !Task.isCancelled {
            if Double(host.monotonicNanoseconds - start) / 1e9 > Self.upgraderWaitSeconds {
                host.log(.warning, "the upgrader is still running; its result will be reported at the next start")
                return
            }
            // Gone (nil) ends the watch; an engine that cannot answer now does not (it used to).
            let upgrader: JSONObject?
            do { upgrader = try await engine.inspect(Naming.upgraderContainer) } catch {
                host.log(.warning, "cannot look at the upgrader container; trying again", metadata: ["code": error.code, "error": error.message])
                try? await Task.sleep(for: .seconds(1))  // harmless: a cancellation ends the loop at its check
                continue
            }
            guard let upgrader else { break }
            if upgrader["state"]?.objectValue?["running"]?.boolValue != true {
                do { _ = try await engine.call("container.remove", ["id": .string(Naming.upgraderContainer), "force": true]) } catch {
                    host.log(.warning, "could not remove the finished upgrader container", metadata: ["code": error.code, "error": error.message])
                }
                host.log(.info, "the upgrader has finished")
                break
            }
            try? await Task.sleep(for: .seconds(1))  // harmless: a cancellation ends the loop at its check
        }
        guard !Task.isCancelled, let dir = host.config("agent.state_dir")?.stringValue else { return }
        let path = UpgradeFiles.lastPath(stateDirectory: dir)
        guard let bytes = UpgradeFiles.contents(of: path) else { return }
        // handled: an unreadable result is logged and left in place below
        guard let value = try? JSONParser.parse(bytes), let outcome = UpgradeOutcome(json: value) else {
            host.log(.error, "unreadable upgrade result left as is", metadata: ["path": path])
            return
        }
        let id = journal.newOperationID()
        let record = outcome.record(newID: id)
        // No outbox entry (`event` nil): `last.json` is this event's outbox, renamed once sent.
        do { try store.finish(record, device: nil) } catch {
            host.log(.error, "could not journal the upgrade result", metadata: ["error": error.message])
        }
        host.log(
            outcome.state == .succeeded ? .notice : .error, "upgrade result",
            metadata: ["result": outcome.state.rawValue, "from": outcome.from, "to": outcome.to, "error": outcome.error?.description ?? ""])
        guard await emitWhenTransportLoaded(outcome.updateEvent(newID: id)) else {
            host.log(.warning, "upgrade result not sent; it will be sent at the next start", metadata: ["path": path])
            return
        }
        UpgradeFiles.move(path, to: UpgradeFiles.reportedPath(stateDirectory: dir))
    }

    /// Emits `operation_update` once the transport has started (it may load and start after
    /// this plugin, and a transport that has started queues events while disconnected; one that
    /// has not may drop them). Without a transport after `seconds`, emits anyway (local
    /// observers). False when the host refused it or on cancellation.
    func emitWhenTransportLoaded(_ event: JSONObject, seconds: Double = 60) async -> Bool {
        let start = host.monotonicNanoseconds
        while !Task.isCancelled, Double(host.monotonicNanoseconds - start) / 1e9 < seconds {
            // harmless: a transport that cannot answer `status` yet is asked again in 250 ms
            if let transport = host.lookup("agent.transport"),
                let status = try? await transport.invoke("status"), let url = status.objectValue?["url"], !url.isNull  // harmless: asked again
            {
                break
            }
            try? await Task.sleep(for: .milliseconds(250))  // harmless: a cancellation is checked after the loop
        }
        guard !Task.isCancelled else { return false }
        do {
            try host.emit("operation_update", event)
            return true
        } catch {
            host.log(.warning, "operation_update refused", metadata: ["error": error.message])
            return false
        }
    }
}

import AgentClock
import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel
import Synchronization

/// The lifecycle manager (spec §5.6, improved): engine `die` events and a periodic check
/// restart vPLCs whose desired state is `running`; a running vPLC is never touched; a crash loop
/// stops the restarts and is reported to the cloud (`device_crash_loop`). Restarts run on the
/// device's queue, so they never race a stop, delete or create. Engine `start` events hand the
/// new container to the ``DHCPCoordinator``.
///
/// Owns: the ``CrashGuards`` and the engine event stream's epoch.
final class LifecycleWatcher: Sendable {
    let host: PluginHost
    let engine: any ContainerEngine
    let store: RuntimeStore
    let journal: OperationJournal
    let dhcp: DHCPCoordinator
    let settings: RuntimeSettings
    /// The health-check period, the restart delay, the crash-loop window.
    let clock: any AgentClock
    /// What else the periodic health check runs, after the restarts (network re-checks).
    let periodicChecks: @Sendable () async -> Void
    /// Serial passthrough: a started container gets its nodes again.
    let serial: SerialPorts?
    private let guards = CrashGuards()
    /// Counts the engine event stream's (re)openings: a vPLC death seen before a reopening went
    /// with the engine, not a crash of its own.
    private let engineEpoch = Atomic<Int>(0)

    init(
        host: PluginHost, engine: any ContainerEngine, store: RuntimeStore, journal: OperationJournal, dhcp: DHCPCoordinator,
        settings: RuntimeSettings, clock: any AgentClock, periodicChecks: @escaping @Sendable () async -> Void,
        serial: SerialPorts? = nil
    ) {
        self.serial = serial
        self.host = host
        self.engine = engine
        self.store = store
        self.journal = journal
        self.dhcp = dhcp
        self.settings = settings
        self.clock = clock
        self.periodicChecks = periodicChecks
    }

    /// Starts following engine events and the periodic health check (which first runs at once,
    /// as `startup`); both run until cancelled.
    func start(in tasks: BackgroundTasks) {
        let events = Task { [self] in await self.watchEvents() }
        let health = Task { [self] in
            await self.reconcile(reason: "startup")
            while !Task.isCancelled {
                // harmless: cancelled at shutdown, and the check below ends the loop
                try? await clock.sleep(for: .milliseconds(settings.healthIntervalMilliseconds))
                if Task.isCancelled { break }
                await self.reconcile(reason: "health_check")
                await self.periodicChecks()
                // The mark a test (or an operator at debug level) waits on: a check has run.
                host.log(.debug, "lifecycle: health check done")
            }
        }
        tasks.add(events)
        tasks.add(health)
    }

    /// Forgets the crash-loop history of `device` (create, start, restart, delete).
    func resetGuard(_ device: String) async { await guards.reset(device) }

    /// Follows engine events; resubscribes when the driver cannot subscribe yet.
    func watchEvents() async {
        while !Task.isCancelled {
            do throws(RuntimeError) {
                let stream = try await engine.events(
                    filter: ["type": ["container"], "event": ["die", "start"], "label": [.string("\(Naming.managedLabel)=true")]],
                    waitSeconds: 30)
                for await event in stream { await handle(event.kind, event.payload) }
            } catch {
                host.log(.warning, "engine events unavailable", metadata: ["error": error.description])
            }
            try? await clock.sleep(for: .seconds(1))  // harmless: cancelled at shutdown, the loop then ends
        }
    }

    /// One engine event: `container.die` (restart after the delay), `container.start` (network
    /// work for the new PID), `stream.open` (the engine may have restarted: check every vPLC).
    func handle(_ kind: String, _ payload: JSONObject) async {
        switch kind {
        case "container.die":
            let attrs = payload["attributes"]?.objectValue ?? [:]
            if let device = attrs[Naming.deviceLabel]?.stringValue {
                let watcher = self
                Task { await watcher.handleDeath(device) }
            }
        case "container.start":
            // Every start path (create, start/restart_device, the lifecycle manager,
            // an operator's docker start): the new PID needs its MACs and DHCP clients.
            let attrs = payload["attributes"]?.objectValue ?? [:]
            if let device = attrs[Naming.deviceLabel]?.stringValue {
                let dhcp = self.dhcp, serial = self.serial
                Task { await dhcp.containerStarted(device) }
                Task { await serial?.containerStarted(device) }
            }
        case "stream.open":
            engineEpoch.add(1, ordering: .relaxed)
            await reconcile(reason: "event_stream_reopened")
        default:
            break
        }
    }

    /// A vPLC died: after the restart delay, restart it if it should run and still does not.
    func handleDeath(_ device: String) async {
        let epoch = engineEpoch.load(ordering: .relaxed)
        // harmless: this task is never cancelled; the delay only spaces a restart from the death
        try? await clock.sleep(for: .milliseconds(settings.restartDelayMilliseconds))
        // The engine restarted meanwhile (its shutdown stopped the vPLC): not a crash.
        let engineRestarted = engineEpoch.load(ordering: .relaxed) != epoch
        await restartIfNeeded(device, reason: engineRestarted ? "event_stream_reopened" : "died")
    }

    /// One pass over every record: start those that should run and do not.
    func reconcile(reason: String) async {
        // A failed read is logged and counted and skips this pass (never "no vPLCs"); the next
        // health check tries again.
        guard let records = store.recordsForPass("reconcile (\(reason))") else { return }
        for r in records where r.desired == .running && !r.crashLoop {
            await restartIfNeeded(r.deviceID, reason: reason)
        }
    }

    /// Queues a check of `device` behind its other operations (so a restart never races a
    /// stop, delete or create of the same vPLC).
    func restartIfNeeded(_ device: String, reason: String) async {
        await journal.enqueue(device) { [self] in await self.restartNow(device, reason: reason) }
    }

    /// The restart reasons that count against the crash-loop guard: the vPLC itself stopped
    /// (`died`, or found stopped by the periodic check). Not `startup` (the agent or the host
    /// restarted) nor `event_stream_reopened` (the engine restarted and took every vPLC down):
    /// counting those tripped the guard after five engine restarts in ten minutes, and healthy
    /// vPLCs stayed down (the full fault run).
    static let crashReasons: Set<String> = ["died", "health_check"]

    /// Starts `device` if its record wants it running and the engine says it is not running;
    /// counts against the crash-loop guard when `reason` is one of ``crashReasons``. Runs on the
    /// device queue. Failures are logged.
    func restartNow(_ device: String, reason: String) async {
        do throws(RuntimeError) {
            guard var record = try store.record(device) else { return }  // deleted meanwhile
            guard record.desired == .running, !record.crashLoop else {
                // The mark a test (or an operator at debug level) waits on: this death was handled.
                let why = record.crashLoop ? "crash_loop" : "desired_\(record.desired.rawValue)"
                host.log(.debug, "lifecycle: not restarted", metadata: ["device": device, "reason": reason, "why": why])
                return
            }
            guard let inspect = try await engine.inspect(device) else {
                host.log(.error, "a vPLC's container is missing in the engine", metadata: ["device": device])
                return
            }
            if inspect["state"]?.objectValue?["running"]?.boolValue == true { return }
            var allowed = true
            if Self.crashReasons.contains(reason) {
                allowed = await guards.allowRestart(
                    device, limit: settings.crashLoopLimit, window: settings.crashLoopWindowSeconds,
                    // Monotonic: a wall-clock step (NTP, an operator) must not stretch or shrink the window.
                    now: clock.now.seconds)
            }
            guard allowed else {
                record.crashLoop = true
                try store.put(record)
                host.log(.error, "crash loop: restarts stopped", metadata: ["device": device])
                emitCrashLoop(device, inspect: inspect)
                return
            }
            _ = try await engine.call("container.start", ["id": .string(device)])
            record.restarts += 1
            try store.put(record)
            let dhcp = self.dhcp, serial = self.serial
            Task { await dhcp.containerStarted(device) }
            Task { await serial?.containerStarted(device) }
            host.log(.notice, "restarted a vPLC", metadata: ["device": device, "reason": reason, "restarts": String(record.restarts)])
            // harmless: a `local.` signal for the metrics endpoint; `unsupported` when nobody listens.
            try? host.emit("local.vplc_restarted", ["device_id": .string(device), "reason": .string(reason)])
        } catch {
            host.log(.error, "could not restart a vPLC", metadata: ["code": error.code, "device": device, "error": error.description])
        }
    }

    /// Tells the cloud that `device` is in a crash loop (`device_crash_loop`); a refused event
    /// (no transport loaded) is logged with its code: the record keeps `crash_loop` either way.
    func emitCrashLoop(_ device: String, inspect: JSONObject) {
        do throws(PluginError) {
            try host.emit(
                "device_crash_loop",
                [
                    "device_id": .string(device), "restarts": .number(Double(settings.crashLoopLimit)),
                    "window_seconds": .number(settings.crashLoopWindowSeconds),
                    "exit_code": inspect["state"]?.objectValue?["exit_code"] ?? .null,
                    "message": .string("\(device) died \(settings.crashLoopLimit) times within \(Int(settings.crashLoopWindowSeconds)) s; the agent stopped restarting it. Send start_device or restart_device after fixing it."),
                    "timestamp": .string(WallClock.iso(WallClock.now())),
                ])
        } catch {
            host.log(.warning, "device_crash_loop not sent", metadata: ["code": error.code, "device": device, "error": error.message])
        }
    }
}

import AgentClock
import AgentJSON
import AgentPluginKit
import Logging
import RuntimeModel

/// The vPLC manager, one per plugin instance: wires the collaborators below (each with one job
/// and the state it owns), starts them, stops them, and answers the topics through them
/// (RuntimeTopics.swift).
///
/// - ``OperationJournal``: ids, per-device queue, operations in flight, journal writes.
/// - ``OperationRunner``: accepts mutating commands, runs each operation to its end.
/// - ``CreateOperation``, ``CreateRollback``, ``DeviceOperations``, ``SelfDestruct``,
///   ``UpgradeLauncher``: what each operation kind does.
/// - ``EngineNetworks`` (the network gate), ``NetworkMover`` (parent LANs), ``NetmonWatcher``,
///   ``DHCPCoordinator`` (leases), ``DedicatedNIC``: the host network.
/// - ``SerialPorts``: serial devices passed through into vPLCs.
/// - ``LifecycleWatcher`` (crash-loop guards), ``UsageSampler`` (usage history).
/// - ``Recovery``, ``Takeover``, ``UpgradeReporter``: what runs at start.
/// - ``StatusView``: the read-only topics.
final class VPLCService: Sendable {
    let host: PluginHost
    let settings: RuntimeSettings
    let store: RuntimeStore
    /// Completion events, durable until handed to a connected transport.
    let outbox: OperationOutbox
    let journal: OperationJournal
    let runner: OperationRunner
    let create: CreateOperation
    let recovery: Recovery
    let takeover: Takeover
    let lifecycle: LifecycleWatcher
    let usage: UsageSampler
    let netmonWatcher: NetmonWatcher
    let upgrade: UpgradeLauncher
    let upgradeReporter: UpgradeReporter
    let view: StatusView
    /// Background tasks (recovery, lifecycle, usage, netmon events, the upgrade report),
    /// cancelled at shutdown.
    let background: BackgroundTasks

    /// Wires the collaborators. `clock` is the lifecycle's, the sampler's and the outbox's time
    /// (health-check period, restart delay, crash-loop window, usage period, re-send delays).
    init(host: PluginHost, settings: RuntimeSettings, clock: any AgentClock = SystemClock()) {
        self.host = host
        self.settings = settings
        let background = BackgroundTasks()
        self.background = background
        let engine = Engine(host: host, driverName: settings.driverName)
        let netmon = Netmon(host: host)
        let store = RuntimeStore(host: host)
        let outbox = OperationOutbox(host: host, store: store, clock: clock)
        let journal = OperationJournal(host: host, store: store, outbox: outbox, settings: settings)
        let networks = EngineNetworks(host: host, engine: engine, store: store, dockerRangePrefix: settings.dockerRangePrefix)
        let dedicatedNIC = DedicatedNIC(host: host, engine: engine, netmon: netmon, store: store)
        let announcer = AddressAnnouncer(
            host: host, netmon: netmon, announcing: settings.announceAddresses, probing: settings.probeAddresses)
        let wifi = WifiUplinks(host: host, engine: engine, netmon: netmon, store: store)
        let dhcp = DHCPCoordinator(
            host: host, engine: engine, netmon: netmon, store: store, dedicatedNIC: dedicatedNIC, announcer: announcer, wifi: wifi,
            isBusy: { [journal] in await journal.isActive($0) })
        let serial = SerialPorts(host: host, engine: engine, netmon: netmon, store: store)
        let mover = NetworkMover(host: host, engine: engine, store: store, journal: journal, networks: networks, dhcp: dhcp)
        let lifecycle = LifecycleWatcher(
            host: host, engine: engine, store: store, journal: journal, dhcp: dhcp, settings: settings, clock: clock,
            periodicChecks: { [mover, dhcp, serial] in
                await mover.reconcileNetworks()
                await dhcp.checkClients()
                await serial.reconcileAll()
            }, serial: serial)
        let usage = UsageSampler(
            host: host, engine: engine, store: store, intervalMilliseconds: settings.usageIntervalMilliseconds, clock: clock)
        let resetCrashGuard: @Sendable (String) async -> Void = { [lifecycle] in await lifecycle.resetGuard($0) }
        let create = CreateOperation(
            host: host, engine: engine, store: store, journal: journal, networks: networks, netmon: netmon, settings: settings,
            announcer: announcer, resetCrashGuard: resetCrashGuard, serial: serial)
        let rollback = CreateRollback(host: host, engine: engine, store: store, networks: networks)
        let devices = DeviceOperations(
            engine: engine, store: store, journal: journal, networks: networks, dhcp: dhcp, dedicatedNIC: dedicatedNIC, wifi: wifi,
            resetCrashGuard: resetCrashGuard,
            forget: { [usage, lifecycle] device in
                await usage.samples.forget(device)
                await lifecycle.resetGuard(device)
            })
        let ownContainer = OwnContainer(host: host, engine: engine, agentContainer: settings.agentContainer)
        let reporter = UpgradeReporter(host: host, engine: engine, store: store, journal: journal)
        let upgrade = UpgradeLauncher(
            host: host, engine: engine, store: store, journal: journal, settings: settings, ownContainer: ownContainer,
            reporter: reporter, tasks: background)
        let runner = OperationRunner(
            host: host, store: store, journal: journal, create: create, rollback: rollback, devices: devices,
            selfDestruct: SelfDestruct(
                host: host, engine: engine, store: store, journal: journal, networks: networks, ownContainer: ownContainer, wifi: wifi),
            upgrade: upgrade,
            containerStarted: { [dhcp, serial] in
                await dhcp.containerStarted($0)
                await serial.containerStarted($0)
            })
        let takeover = Takeover(host: host, engine: engine, store: store, settings: settings)
        self.store = store
        self.outbox = outbox
        self.journal = journal
        self.runner = runner
        self.create = create
        self.recovery = Recovery(
            host: host, engine: engine, store: store, journal: journal, runner: runner, rollback: rollback, takeover: takeover,
            inherited: Recovery.inheritedOperations(store: store, host: host))
        self.takeover = takeover
        self.lifecycle = lifecycle
        self.usage = usage
        netmonWatcher = NetmonWatcher(host: host, netmon: netmon, mover: mover, dhcp: dhcp, serial: serial)
        self.upgrade = upgrade
        upgradeReporter = reporter
        view = StatusView(
            host: host, engine: engine, store: store, journal: journal, dhcp: dhcp, usage: usage.samples, netmon: netmon,
            ownContainer: ownContainer, settings: settings)
    }

    /// Whether this process is a one-shot (`orchestrator-agent invoke`): nothing is supervised.
    var oneShot: Bool { host.isOneShot }

    /// Runs once at daemon start: sends the completion events left in the outbox, recovers
    /// (``Recovery``), then starts the lifecycle manager, the netmon watch, the usage sampler
    /// and the upgrade report.
    func recover() async {
        outbox.start()
        await recovery.run()
        lifecycle.start(in: background)
        let watcher = netmonWatcher
        background.add(Task { await watcher.watch() })
        usage.start(in: background)
        upgradeReporter.start(in: background)
    }

    /// Cancels every background task and waits for them, then stops the outbox.
    func shutdown() async {
        await background.cancelAll()
        await outbox.stop()
    }
}

#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import CNetlink
import CResidentTrim
import NetmonCore
import NetmonProtocol

/// The sidecar: the netlink watcher (the interface table and what clients were told of it),
/// wired to the socket's clients (``ClientTable``), the commands (``CommandHandler``) and the DHCP
/// clients (``DhcpSupervisor``) around one ``EventLoop``. All state lives on the loop thread;
/// blocking work goes to the ``WorkerPool`` and comes back through ``EventLoop/post(_:)``.
final class Netmon: @unchecked Sendable {
    struct Counters {
        var events = 0
        var resyncs = 0
        var enobufs = 0
    }

    let options: NetmonOptions
    let loop: EventLoop
    let pool = WorkerPool()
    let probe: InterfaceTypeProbe
    let startedAt = Clock.monotonicMs()

    var table = InterfaceTable()
    var tracker: ChangeTracker
    var counters = Counters()
    private let eventSocket: NetlinkSocket
    private let querySocket: NetlinkSocket
    private var eventBuffer = [UInt8](repeating: 0, count: 32768)
    private var debounceTimer: UInt64? = nil

    let listenFd: Int32
    // Made once `self` exists (their callbacks reach back into it), then never changed.
    private(set) var clients: ClientTable! = nil
    private(set) var dhcp: DhcpSupervisor! = nil
    private(set) var commands: CommandHandler! = nil
    private(set) var bridges: ProxyArpBridges! = nil
    private(set) var dedicated: DedicatedNics! = nil
    private(set) var serial: SerialWatcher! = nil
    private let signalFd: Int32

    init(options: NetmonOptions) throws(StartupError) {
        self.options = options
        probe = InterfaceTypeProbe.sysfs(root: options.sysfsRoot)
        tracker = ChangeTracker(debounceMs: options.debounceMs)
        // Signals first, before any thread exists, so every thread inherits the mask.
        let sfd = cnl_signalfd_setup()
        guard sfd >= 0 else { throw StartupError("signalfd: \(errnoText(sfd))") }
        signalFd = sfd
        cnl_limit_malloc_arenas(2)
        loop = try EventLoop()

        let busybox = options.busybox ?? Spawner.which("busybox")
        let script = options.stateDir + "/udhcpc.script"
        let leaseDir = options.stateDir + "/dhcp"
        let wifiScript = options.stateDir + "/udhcpc-wifi.script"
        try Netmon.prepareStateDir(options.stateDir, leaseDir: leaseDir, script: script, busybox: busybox)
        try Netmon.writeScript(wifiScript, WifiHookScript.text(busybox: busybox ?? "/bin/busybox"))
        let nsenter = Spawner.which("nsenter")
        if busybox == nil { Log.warning("busybox not found: start_dhcp will fail (give --busybox)") }
        if nsenter == nil { Log.warning("nsenter not found: start_dhcp will fail") }

        // Subscribe before the first dump so no change falls between the two.
        do {
            eventSocket = try NetlinkSocket(
                groups: CNL_GROUP_LINK | CNL_GROUP_IPV4_IFADDR | CNL_GROUP_IPV4_ROUTE, receiveBuffer: 2 << 20,
                nonblocking: true)
            querySocket = try NetlinkSocket()
            table = try querySocket.dumpTable()
        } catch {
            throw StartupError("netlink: \(error.message)")
        }
        tracker.prime(table: table, probe: probe)
        listenFd = try SocketServer.listen(path: options.socketPath, group: options.socketGroup)

        let orphans = OrphanClients.end(script: script)
        if !orphans.isEmpty { Log.warning("ended \(orphans.count) DHCP client(s) left by an earlier sidecar: \(orphans)") }
        clients = ClientTable(
            loop: loop, listenFd: listenFd, agentUID: options.agentUID,
            greeting: { [unowned self] in
                let ts = Clock.timestamp()
                var greeting = [
                    NetmonEvents.networkDiscovery(self.table.allInfo(probe: self.probe), timestamp: ts),
                    NetmonEvents.deviceDiscovery(self.serial.devices, timestamp: ts),
                ]
                if !self.dedicated.isEmpty { greeting.append(self.dedicated.event()) }
                return greeting
            },
            execute: { [unowned self] request, client, done in self.commands.execute(request, for: client, done: done) })
        dhcp = DhcpSupervisor(
            loop: loop, pool: pool,
            config: .init(nsenter: nsenter, busybox: busybox, script: script, leaseDir: leaseDir, wifiScript: wifiScript),
            broadcast: { [unowned self] in self.clients.broadcast($0) })
        commands = CommandHandler(
            loop: loop, pool: pool, dhcp: dhcp,
            interfaces: { [unowned self] in self.table.allInfo(probe: self.probe).map { $0.json(timestamp: Clock.timestamp()) } },
            status: { [unowned self] in self.statusJSON() })
        dedicated = DedicatedNics(broadcast: { [unowned self] in self.clients.broadcast($0) })
        bridges = ProxyArpBridges(iptables: Spawner.which("iptables")) { [unowned self] work, then in
            self.commands.offload(work, then: then)
        }
        commands.bridges = bridges
        commands.dedicated = dedicated
        wireWifiDhcp()
        serial = SerialWatcher(
            loop: loop, reader: SerialDeviceReader(sysfsRoot: options.sysfsRoot, devRoot: options.devRoot),
            broadcast: { [unowned self] in self.clients.broadcast($0) })
        commands.serial = serial
        commands.testDevices = options.testDevices
        loop.register(eventSocket.fd, events: Int16(POLLIN)) { [unowned self] _ in self.netlinkReadable() }
        clients.startAccepting()
        loop.register(signalFd, events: Int16(POLLIN)) { [unowned self] _ in self.signalsReadable() }
        if options.resyncSeconds > 0 { scheduleResync() }
        scheduleCodeTrim(afterMs: Self.codeTrimDelayMs)
        Log.info(
            "autonomy-netmon listening on \(options.socketPath): \(table.links.count) interfaces, "
                + "\(serial.devices.count) serial devices, debounce \(options.debounceMs) ms, resync \(options.resyncSeconds) s")
    }

    /// How long after start the start-up code pages go back, and how often after that.
    static let codeTrimDelayMs: Int64 = 10_000
    static let codeTrimPeriodMs: Int64 = 60_000

    /// Drops the page-table entries of the code the sidecar no longer runs (CResidentTrim:
    /// read-only code mappings only; what runs again faults back in from the page cache), after
    /// `ms` and then every ``codeTrimPeriodMs``, as the agent does (docs/architecture.md).
    private func scheduleCodeTrim(afterMs ms: Int64) {
        loop.schedule(afterMs: ms) { [unowned self] in
            _ = resident_trim_heap()  // 0 only says there was no free page to give back
            var r = resident_trim_result()
            let rc = resident_trim_code(&r)
            guard rc == 0 else { return Log.warning("code pages not trimmed, and no more trims: \(errnoText(-rc))") }
            Log.debug("code pages given back: \(r.mappings) mappings, \(r.resident_bytes / 1024) KiB resident before")
            self.scheduleCodeTrim(afterMs: Self.codeTrimPeriodMs)
        }
    }

    /// Runs until SIGTERM/SIGINT, then stops every DHCP client and removes the socket.
    func run() {
        loop.run()
        Log.info("shutting down")
        dhcp.stopAll()
        clients.closeAll()
        close(listenFd)
        unlink(options.socketPath)
    }

    /// A WiFi DHCP client's new address becomes a proxy-ARP bridge (upstream: torn down and
    /// built again at each new lease); a stopped client's bridge goes.
    private func wireWifiDhcp() {
        dhcp.wifiBound = { [unowned self] client, lease, done in
            guard let wifi = client.wifi, let ip = lease.ip else { return done(nil) }
            let setup = ProxyArpSetup(
                key: ProxyArpKey(container: wifi.key.container, vnic: wifi.key.vnic), pid: client.containerPid, parent: wifi.parent,
                ip: ip, prefix: lease.prefix ?? 24, gateway: lease.gateway)
            self.bridges.setup(setup) { result in
                switch result {
                case .success(let b): done(b.json)
                case .failure(let e):
                    Log.error("dhcp \(wifi.key): lease \(ip) but no bridge: \(e)")
                    done(nil)
                }
            }
        }
        dhcp.wifiStopped = { [unowned self] key in self.bridges.cleanup(container: key.container, vnic: key.vnic) }
    }

    // MARK: state dir

    private static func writeScript(_ path: String, _ content: String) throws(StartupError) {
        let text = Array(content.utf8)
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw StartupError("cannot write \(tmp): \(errnoText(errno))") }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o755)
        close(fd)
        guard written == text.count, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw StartupError("cannot write \(path): \(errnoText(errno))")
        }
    }

    private static func prepareStateDir(_ dir: String, leaseDir: String, script: String, busybox: String?) throws(StartupError) {
        for d in [dir, leaseDir] where mkdir(d, 0o755) != 0 && errno != EEXIST {
            throw StartupError("mkdir \(d): \(errnoText(errno))")
        }
        try writeScript(script, HookScript.text(busybox: busybox ?? "/bin/busybox"))
    }

    // MARK: netlink

    private func netlinkReadable() {
        let now = loop.nowMs
        var immediate: [ChangeTracker.Change] = []
        var refreshRoutes = false
        let complete = eventSocket.drainEvents(into: &eventBuffer) { event in
            counters.events += 1
            if InterfaceTable.mayDropRoutesSilently(event) { refreshRoutes = true }
            for index in table.apply(event) {
                immediate += tracker.changed(index, now: now, table: table, probe: probe)
            }
        }
        if refreshRoutes, complete {
            do {
                var routes: [RouteRecord] = []
                for e in try querySocket.dump(Int32(CNL_DUMP_ROUTES.rawValue)) { if case .newRoute(let r, _) = e { routes.append(r) } }
                for index in table.replaceDefaultRoutes(routes) {
                    immediate += tracker.changed(index, now: now, table: table, probe: probe)
                }
            } catch {
                Log.warning("route dump after an address/link change failed: \(error.message)")
            }
        }
        send(immediate)
        if !complete {
            counters.enobufs += 1
            Log.warning("netlink: events lost (ENOBUFS); resyncing")
            resync()
        }
        rescheduleDebounce()
    }

    /// Dumps everything again and sends what differs from what clients were told.
    func resync() {
        do {
            table = try querySocket.dumpTable()
        } catch {
            Log.error("resync: \(error.message)")
            return
        }
        counters.resyncs += 1
        let changes = tracker.resync(table: table, probe: probe)
        if !changes.isEmpty { Log.info("resync: \(changes.count) change(s)") }
        send(changes)
    }

    private func scheduleResync() {
        loop.schedule(afterMs: options.resyncSeconds * 1000) { [unowned self] in
            self.resync()
            self.rescheduleDebounce()
            self.scheduleResync()
        }
    }

    private func rescheduleDebounce() {
        loop.cancel(debounceTimer)
        debounceTimer = nil
        guard let deadline = tracker.nextDeadline else { return }
        debounceTimer = loop.schedule(at: deadline) { [unowned self] in
            self.debounceTimer = nil
            self.send(self.tracker.due(now: self.loop.nowMs, table: self.table, probe: self.probe))
            self.rescheduleDebounce()
        }
    }

    private func send(_ changes: [ChangeTracker.Change]) {
        guard !changes.isEmpty else { return }
        let ts = Clock.timestamp()
        for c in changes {
            Log.debug("network_change: \(c)")
            clients.broadcast(NetmonEvents.networkChange(c, timestamp: ts))
        }
    }

    /// get_status / get_netlink_status.
    func statusJSON() -> JSONObject {
        [
            "clients": .number(Double(clients.count)),
            "interfaces": .number(Double(table.links.count)),
            "dhcp_clients": .number(Double(dhcp.clients.count)),
            "uptime_s": .number(Double((Clock.monotonicMs() - startedAt) / 1000)),
            "netlink": [
                "events": .number(Double(counters.events)), "resyncs": .number(Double(counters.resyncs)),
                "enobufs": .number(Double(counters.enobufs)),
            ],
            "uevents": .object(serial.statusJSON),
        ]
    }

    // MARK: signals

    private func signalsReadable() {
        while true {
            let sig = cnl_signalfd_read(signalFd)
            if sig <= 0 { return }
            switch sig {
            case SIGCHLD: reapChildren()
            case SIGTERM, SIGINT:
                Log.info("signal \(sig): stopping")
                loop.stop()
                return
            default: break
            }
        }
    }

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            dhcp.reaped(pid, status: status)
        }
    }
}

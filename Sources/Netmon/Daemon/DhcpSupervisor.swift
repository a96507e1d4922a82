#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import CNetlink
import NetmonCore
import NetmonProtocol

/// Starts, watches, restarts and stops the DHCP clients. Loop thread only.
///
/// * The container's PID is watched with a pidfd: when it exits, the client is stopped and a
///   `dhcp_update` "stopped" / "container_exited" goes out.
/// * A client that dies while the container lives is restarted after 1 s, 2 s, … 30 s.
/// * Stopping sends SIGTERM, then SIGKILL after 2 s; every child is reaped (SIGCHLD → waitpid).
/// * The hook script's marker lines arrive on the child's stdout and become `dhcp_update` at once.
/// * Continuity: a client (re)started for an address the link already holds (the last lease, or
///   start_dhcp's `requested_ip`) asks the server for it (`-r`) and keeps it on the link through
///   its start (the hook's one-shot keep file) instead of flushing it; at its first lease, DHCP
///   clients of the same key that this sidecar did not start (an earlier sidecar's, e.g. the
///   Python agent's) are ended by PID (``OrphanClients/endForeign(key:containerPid:except:)``).
final class DhcpSupervisor: @unchecked Sendable {
    struct Config {
        let nsenter: String?
        let busybox: String?
        let script: String
        let leaseDir: String
        /// The WiFi clients' hook (writes the lease only).
        var wifiScript: String = ""
    }

    /// Builds the proxy-ARP bridge for a WiFi client's new lease and answers its
    /// `proxy_arp_config` (nil when it failed: the update goes out without it). Set once by the
    /// sidecar before any client starts.
    var wifiBound: ((DhcpClient, DhcpLease, @escaping (JSONObject?) -> Void) -> Void)? = nil
    /// A WiFi client stopped: its bridge goes.
    var wifiStopped: ((DhcpKey) -> Void)? = nil

    let loop: EventLoop
    private let pool: WorkerPool
    let config: Config
    private let broadcast: (JSONValue) -> Void
    var clients: [DhcpKey: DhcpClient] = [:]
    /// Every client with a live child, by child PID (includes replaced ones still being stopped).
    var byChild: [pid_t: DhcpClient] = [:]

    init(loop: EventLoop, pool: WorkerPool, config: Config, broadcast: @escaping (JSONValue) -> Void) {
        self.loop = loop
        self.pool = pool
        self.config = config
        self.broadcast = broadcast
    }

    // MARK: start

    /// Starts a client for `key` on `interface` (already found by MAC in `pid`'s namespace).
    /// Idempotent for the same key and pid; another pid replaces the old client.
    /// - Returns: the reply message.
    func start(key: DhcpKey, mac: String, pid: Int32, interface: String, requested: IPv4? = nil) throws(NetmonError) -> String {
        if let old = clients[key] {
            if old.containerPid == pid && old.isActive { return "already running" }
            Log.info("dhcp \(key): container pid \(old.containerPid) -> \(pid); replacing the client")
            stop(old, event: nil, replaced: true) {}
        }
        let pidfd = cnl_pidfd_open(pid)
        guard pidfd >= 0 else {
            throw pidfd == -ESRCH ? NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid")
                : NetmonError(.spawnFailed, "pidfd_open(\(pid)): \(errnoText(pidfd))")
        }
        let c = DhcpClient(key: key, mac: mac, containerPid: pid, interface: interface, requested: requested)
        try launch(c, pidfd: pidfd)
        return "DHCP client started"
    }

    /// Starts `c`'s udhcpc, watches its container through `pidfd` and records it as the vNIC's
    /// client; on a failed start `pidfd` is closed and nothing is recorded.
    func launch(_ c: DhcpClient, pidfd: Int32) throws(NetmonError) {
        c.pidfd = pidfd
        do {
            try spawn(c)
        } catch {
            close(pidfd)
            throw error
        }
        loop.register(pidfd, events: Int16(POLLIN)) { [unowned self, unowned c] _ in self.containerExited(c) }
        clients[c.key] = c
    }

    /// Is a client for `key` and `pid` active (start_dhcp's fast path)?
    func isActive(_ key: DhcpKey, pid: Int32) -> DhcpClient? {
        guard let c = clients[key], c.containerPid == pid, c.isActive else { return nil }
        return c
    }

    func spawn(_ c: DhcpClient) throws(NetmonError) {
        guard let busybox = config.busybox else { throw NetmonError(.spawnFailed, "busybox not found") }
        if let wifi = c.wifi { return try spawnWifi(c, wifi, busybox: busybox) }
        guard let nsenter = config.nsenter else { throw NetmonError(.spawnFailed, "nsenter not found") }
        var argv = [
            nsenter, "-t", String(c.containerPid), "-n", busybox, "udhcpc", "-f", "-i", c.interface, "-s", config.script,
            "-t", "5", "-T", "2", "-A", "3",
        ]
        if let keep = c.addressToKeep {
            argv += ["-r", keep.description]
            DhcpKeepFile(leaseDir: config.leaseDir, key: c.key).write(keep)
        } else {
            DhcpKeepFile(leaseDir: config.leaseDir, key: c.key).remove()  // an earlier client's, never consumed: this one keeps nothing
        }
        let pid = try run(c, path: nsenter, argv: argv)
        Log.info("dhcp \(c.key): udhcpc pid \(pid) on \(c.interface) in the namespace of \(c.containerPid)")
    }

    /// Starts `argv` for client `c` with the hook's environment, reads its output on the loop,
    /// and marks the client running; the child's PID.
    func run(_ c: DhcpClient, path: String, argv: [String]) throws(NetmonError) -> pid_t {
        let env = [
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "ORCH_DHCP_KEY=\(c.key)", "ORCH_CONTAINER_PID=\(c.containerPid)",
            "ORCH_LEASE_DIR=\(config.leaseDir)",
        ]
        let child: Spawner.Child
        do {
            child = try Spawner.spawn(path: path, argv: argv, environment: env)
        } catch {
            throw NetmonError(.spawnFailed, "cannot start udhcpc: \(error)")
        }
        c.child = child.pid
        c.output = child.output
        c.framer = LineFramer(maxLineBytes: 64 * 1024)
        c.state = .running
        byChild[child.pid] = c
        loop.register(child.output, events: Int16(POLLIN)) { [unowned self, unowned c] _ in self.readOutput(c) }
        return child.pid
    }

    // MARK: output

    func readOutput(_ c: DhcpClient) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while c.output >= 0 {
            let n = chunk.withUnsafeMutableBytes { read(c.output, $0.baseAddress, $0.count) }
            if n > 0 {
                for item in c.framer.feed(chunk[0..<n]) {
                    guard case .line(let line) = item else { continue }
                    if let lease = DhcpLease.parseMarker(line) {
                        handle(lease, from: c)
                    } else if !line.isEmpty {
                        Log.debug("dhcp \(c.key): \(String(decoding: line, as: UTF8.self))")
                    }
                }
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            closeOutput(c)  // EOF or error
        }
    }

    private func closeOutput(_ c: DhcpClient) {
        guard c.output >= 0 else { return }
        loop.unregister(c.output)
        close(c.output)
        c.output = -1
    }

    private func handle(_ lease: DhcpLease, from c: DhcpClient) {
        guard c.isActive else { return }
        c.lastEvent = lease.event
        switch lease.event {
        case "bound", "renew":
            c.lease = lease
            c.backoff.reset()
            if !c.foreignEnded {
                c.foreignEnded = true
                let ours = Set(byChild.keys)
                for pid in OrphanClients.endForeign(key: c.key, containerPid: c.containerPid, except: ours) {
                    Log.info("dhcp \(c.key): ended DHCP client pid \(pid) that this sidecar did not start (an earlier sidecar's)")
                }
            }
            Log.info("dhcp \(c.key): \(lease.event) \(lease.ip.map(\.description) ?? "?")/\(lease.prefix ?? 0) via \(lease.gateway?.description ?? "-")")
            if c.wifi != nil, let wifiBound, let ip = lease.ip, c.bridgedIP != ip {
                c.bridgedIP = ip
                wifiBound(c, lease) { [unowned self, unowned c] config in
                    guard c.isActive else { return }
                    self.broadcastUpdate(c, lease, proxyConfig: config)
                }
                return
            }
        case "deconfig":
            c.lease = nil
        default:
            Log.warning("dhcp \(c.key): \(lease.event)")
        }
        broadcastUpdate(c, lease, proxyConfig: nil)
    }

    private func broadcastUpdate(_ c: DhcpClient, _ lease: DhcpLease, proxyConfig: JSONObject?) {
        var update = NetmonEvents.dhcpUpdate(
            container: c.key.container, vnic: c.key.vnic, mac: c.wifi == nil ? c.mac : nil, interface: lease.interface ?? c.interface,
            event: lease.event, lease: lease, error: lease.error, timestamp: Clock.timestamp())
        if let proxyConfig, case .object(var o) = update, case .object(var data)? = o["data"] {
            data["proxy_arp_config"] = .object(proxyConfig)
            o["data"] = .object(data)
            update = .object(o)
        }
        broadcast(update)
    }

    // MARK: exits

    /// The container's process exited (its pidfd became readable).
    func containerExited(_ c: DhcpClient) {
        Log.info("dhcp \(c.key): container pid \(c.containerPid) exited; stopping its client")
        stop(c, event: "container_exited") {}
    }

    /// A child was reaped (the loop's SIGCHLD handler calls this for every pid waitpid returned).
    func reaped(_ pid: pid_t, status: Int32) {
        guard let c = byChild.removeValue(forKey: pid) else { return }
        readOutput(c)
        closeOutput(c)
        c.child = nil
        loop.cancel(c.killTimer)
        c.killTimer = nil
        if c.state == .stopping {
            finish(c)
            return
        }
        let delay = c.backoff.next()
        Log.warning("dhcp \(c.key): udhcpc pid \(pid) exited (status \(status)); restarting in \(delay) ms")
        c.state = .waitingRestart
        c.restartTimer = loop.schedule(afterMs: delay) { [unowned self, unowned c] in self.restart(c) }
    }

    private func restart(_ c: DhcpClient) {
        c.restartTimer = nil
        guard c.state == .waitingRestart, clients[c.key] === c else { return }
        if c.wifi != nil {
            restartFound(c, interface: c.interface)
            return
        }
        let pid = c.containerPid
        let mac = c.mac
        let box = LoopBound(c)
        pool.submit { [loop] in
            let found: String?
            do { found = try NetnsOps.findLink(pid: pid, mac: mac) } catch { found = nil }
            loop.post { [unowned self] in self.restartFound(box.value, interface: found) }
        }
    }

    private func restartFound(_ c: DhcpClient, interface: String?) {
        guard c.state == .waitingRestart, clients[c.key] === c else { return }
        if let interface {
            c.interface = interface
            do {
                try spawn(c)
                return
            } catch {
                Log.warning("dhcp \(c.key): \(error)")
            }
        } else {
            Log.warning("dhcp \(c.key): no link with MAC \(c.mac) in the namespace of \(c.containerPid) yet")
        }
        let delay = c.backoff.next()
        c.restartTimer = loop.schedule(afterMs: delay) { [unowned self, unowned c] in self.restart(c) }
    }

    // MARK: stop

    /// Stops `c`: SIGTERM, SIGKILL after 2 s, reaped; then `done`. Sends a `dhcp_update`
    /// "stopped" (with `error` = `event` when given) unless the client was replaced.
    func stop(_ c: DhcpClient, event error: String?, replaced: Bool = false, done: @escaping () -> Void) {
        if c.state == .stopping {
            c.stopWaiters.append(done)
            return
        }
        let wasCurrent = clients[c.key] === c
        c.state = .stopping
        loop.cancel(c.restartTimer)
        c.restartTimer = nil
        if c.pidfd >= 0 {
            loop.unregister(c.pidfd)
            close(c.pidfd)
            c.pidfd = -1
        }
        if wasCurrent { clients[c.key] = nil }
        if c.wifi != nil && !replaced { wifiStopped?(c.key) }
        if wasCurrent && !replaced {
            broadcast(
                NetmonEvents.dhcpUpdate(
                    container: c.key.container, vnic: c.key.vnic, mac: c.wifi == nil ? c.mac : nil, interface: c.interface, event: "stopped",
                    lease: nil, error: error, timestamp: Clock.timestamp()))
        }
        c.stopWaiters.append(done)
        guard let child = c.child else {
            finish(c)
            return
        }
        kill(child, SIGTERM)
        c.killTimer = loop.schedule(afterMs: 2000) { [unowned c] in
            if let child = c.child {
                Log.warning("dhcp \(c.key): udhcpc pid \(child) ignored SIGTERM; SIGKILL")
                kill(child, SIGKILL)
            }
        }
    }

    /// stop_dhcp: stops the client of `key`; `done` gets the reply message.
    func stop(key: DhcpKey, done: @escaping (String) -> Void) {
        guard let c = clients[key] else {
            done("not running")
            return
        }
        stop(c, event: nil) { done("stopped") }
    }

    private func finish(_ c: DhcpClient) {
        closeOutput(c)
        Log.info("dhcp \(c.key): stopped")
        let waiters = c.stopWaiters
        c.stopWaiters = []
        for w in waiters { w() }
    }

    /// renew_dhcp: SIGUSR1 makes udhcpc renew at once.
    func renew(key: DhcpKey) throws(NetmonError) {
        guard let c = clients[key], c.state == .running, let child = c.child else {
            throw NetmonError(.notRunning, "No DHCP client running for \(key)")
        }
        kill(child, SIGUSR1)
    }

    /// Stops every child now (shutdown): SIGTERM, up to 2 s, SIGKILL, reap. Blocks.
    func stopAll() {
        let children = Array(byChild.keys)
        guard !children.isEmpty else { return }
        Log.info("stopping \(children.count) DHCP client(s)")
        for pid in children { kill(pid, SIGTERM) }
        var left = Set(children)
        let deadline = Clock.monotonicMs() + 2000
        while !left.isEmpty && Clock.monotonicMs() < deadline {
            for pid in left {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { left.remove(pid) }
            }
            if !left.isEmpty { usleep(20_000) }
        }
        for pid in left {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        byChild.removeAll()
    }

    // MARK: status

    /// get_dhcp_status's `clients`.
    func statusJSON() -> JSONValue {
        .array(
            clients.values.sorted { $0.key.description < $1.key.description }.map { c in
                var o = JSONObject()
                o["container_name"] = .string(c.key.container)
                o["vnic_name"] = .string(c.key.vnic)
                o["mac_address"] = c.wifi == nil ? .string(c.mac) : .null
                if let wifi = c.wifi { o["parent_interface"] = .string(wifi.parent) }
                o["container_pid"] = .number(Double(c.containerPid))
                o["interface"] = .string(c.interface)
                o["running"] = .bool(c.state == .running && c.child != nil)
                o["ip"] = c.lease?.ip.map { .string($0.description) } ?? .null
                o["gateway"] = c.lease?.gateway.map { .string($0.description) } ?? .null
                o["prefix"] = c.lease?.prefix.map { .number(Double($0)) } ?? .null
                o["dns"] = c.lease?.dns.map { .string($0) } ?? .null
                o["event"] = c.lastEvent.map { .string($0) } ?? .null
                o["client_pid"] = c.child.map { .number(Double($0)) } ?? .null
                return .object(o)
            })
    }
}

/// A loop-confined value carried through a worker thread and back. Only the loop thread may
/// touch `value`; workers just hand it over.
struct LoopBound<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

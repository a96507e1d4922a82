#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import NetmonCore

/// Runs the sidecar's commands (docs/network-monitor.md): table and status queries at once,
/// DHCP clients through the ``DhcpSupervisor``, and netlink work inside a container's namespace
/// on a worker of the ``WorkerPool``, its reply posted back to the loop. Lives on the loop
/// thread. Owns no state.
final class CommandHandler {
    private let loop: EventLoop
    private let pool: WorkerPool
    private let dhcp: DhcpSupervisor
    /// The interface table as `get_interfaces` lists it.
    private let interfaces: () -> [JSONValue]
    /// What `get_status` answers.
    private let status: () -> JSONObject
    /// The DHCP supervisor, for the WiFi commands.
    var dhcpSupervisorForWifi: DhcpSupervisor { dhcp }
    /// The WiFi proxy-ARP bridges (set once by the sidecar after both exist).
    var bridges: ProxyArpBridges! = nil
    /// Which NIC is dedicated to which container (set once by the sidecar).
    var dedicated: DedicatedNics! = nil
    /// The serial-device table (set once by the sidecar after both exist).
    var serial: SerialWatcher?
    /// `--test-devices`: the test-only device commands are accepted.
    var testDevices = false

    init(
        loop: EventLoop, pool: WorkerPool, dhcp: DhcpSupervisor, interfaces: @escaping () -> [JSONValue],
        status: @escaping () -> JSONObject
    ) {
        self.loop = loop
        self.pool = pool
        self.dhcp = dhcp
        self.interfaces = interfaces
        self.status = status
    }

    /// Runs one request and calls `done` with its reply, on the loop thread — at once for
    /// table lookups, later for anything that goes through a worker (netlink inside a container's
    /// namespace) or waits (start_dhcp's interface search, stop_dhcp's reaping).
    func execute(_ request: NetmonRequest, for client: ClientConnection, done: @escaping (JSONValue) -> Void) {
        let id = request.id
        func ok(_ extras: JSONObject = JSONObject()) { done(Reply.success(id: id, extras)) }
        func fail(_ e: NetmonError) { done(Reply.failure(id: id, e)) }

        Log.debug("client \(client.id): \(request.name)\(id.map { " id=\(JSONWriter.string($0))" } ?? "")")
        switch request.command {
        case .getInterfaces:
            ok(["interfaces": .array(interfaces())])
        case .getStatus:
            ok(status())
        case .getDhcpStatus:
            ok(["clients": dhcp.statusJSON()])
        case .getDevices, .discoverDevices, .testAddDevice, .testRemoveDevice:
            deviceCommand(request.command, ok: { ok($0) }, fail: { fail($0) })
        case .bindDeviceNode, .removeDeviceNode:
            deviceNodeCommand(request.command, ok: { ok($0) }, fail: { fail($0) })
        case .notSupported(let name):
            fail(NetmonError(.notSupported, "\(name) is not supported by this netmon"))
        case .setupProxyArp, .cleanupProxyArp, .cleanupAllProxyArp, .requestWifiDhcp:
            executeWifi(request.command, ok: { ok($0) }, fail: { fail($0) })

        case .startDhcp(let key, let mac, let pid, let requested):
            startDhcp(key: key, mac: mac, pid: pid, requested: requested, ok: { ok($0) }, fail: { fail($0) })
        case .stopDhcp(let key):
            dhcp.stop(key: key) { message in ok(["message": .string(message)]) }
        case .renewDhcp(let key):
            do throws(NetmonError) {
                try dhcp.renew(key: key)
                ok(["message": "renew requested"])
            } catch {
                fail(error)
            }

        case .setLinkMac(let pid, let currentMac, let newMac):
            offload({ () throws(NetmonError) -> String in
                try NetnsOps.setLinkMac(pid: pid, currentMac: currentMac, newMac: newMac)
            }) { result in
                switch result {
                case .success(let name):
                    Log.info("set_link_mac: \(name) in the namespace of \(pid): \(currentMac) -> \(newMac)")
                    ok(["interface": .string(name), "message": "MAC set"])
                case .failure(let e): fail(e)
                }
            }
        case .moveNicToContainer(let name, let pid, let container):
            offload({ () throws(NetmonError) in try NetnsOps.moveToContainer(name, pid: pid) }) { [dedicated] result in
                switch result {
                case .success:
                    Log.info("moved \(name) into the namespace of \(pid)")
                    if let container { dedicated?.moved(name, to: container, pid: pid) }
                    ok(["message": .string("\(name) moved to container")])
                case .failure(let e): fail(e)
                }
            }
        case .returnNicToHost(let name, let pid):
            offload({ () throws(NetmonError) in try NetnsOps.returnToHost(name, pid: pid) }) { [dedicated] result in
                switch result {
                case .success:
                    dedicated?.returned(name)
                    Log.info("returned \(name) from the namespace of \(pid)")
                    ok(["message": .string("\(name) returned to host")])
                case .failure(let e): fail(e)
                }
            }
        case .announceAddress(let pid, let mac, let ip, let count, let intervalMs):
            offload({ () throws(NetmonError) -> ArpOps.Announced in
                try ArpOps.announce(pid: pid, mac: mac, ip: ip, count: count, intervalMs: intervalMs)
            }) { result in
                switch result {
                case .success(let sent):
                    let v6 = sent.ipv6.isEmpty ? "" : " and \(sent.ipv6.joined(separator: ", "))"
                    Log.info("announced \(ip)\(v6) (\(mac)) on \(sent.interface) in the namespace of \(pid), \(count)x")
                    ok(["interface": .string(sent.interface), "sent": .number(Double(count)), "ipv6_addresses": .array(sent.ipv6.map { .string($0) })])
                case .failure(let e): fail(e)
                }
            }
        case .probeAddress(let interface, let ip, let waitMs):
            offload({ () throws(NetmonError) -> ArpOps.ProbeResult in try ArpOps.probe(interface: interface, ip: ip, waitMs: waitMs) }) {
                result in
                switch result {
                case .success(let found):
                    var reply: JSONObject = ["in_use": .bool(found.holder != nil), "probe_ms": .number(Double(found.milliseconds))]
                    if let holder = found.holder {
                        reply["mac_address"] = .string(holder)
                        Log.info("probe: \(ip) on \(interface) is held by \(holder)")
                    }
                    ok(reply)
                case .failure(let e): fail(e)
                }
            }
        case .checkNicInContainer(let name, let pid, let container):
            offload({ () throws(NetmonError) -> Bool in try NetnsOps.isPresent(name, pid: pid) }) { [dedicated] result in
                switch result {
                case .success(let present):
                    if present, let container { dedicated?.moved(name, to: container, pid: pid) }
                    ok(["present": .bool(present)])
                case .failure(let e): fail(e)
                }
            }
        }
    }

    /// start_dhcp: find the link by MAC in the PID's namespace (a lookup every 50 ms for up to 3 s,
    /// each on a worker), then start udhcpc on the loop.
    private func startDhcp(
        key: DhcpKey, mac: String, pid: Int32, requested: IPv4?, ok: @escaping (JSONObject) -> Void,
        fail: @escaping (NetmonError) -> Void
    ) {
        if let running = dhcp.isActive(key, pid: pid) {
            ok(["message": "already running", "interface": .string(running.interface)])
            return
        }
        guard NetnsOps.processExists(pid) else {
            fail(NetmonError(.noSuchProcess, "No such process: \(pid)", field: "container_pid"))
            return
        }
        let deadline = Clock.monotonicMs() + 3000
        func attempt() {
            offload({ () throws(NetmonError) -> String? in try NetnsOps.findLink(pid: pid, mac: mac) }) { [unowned self] result in
                switch result {
                case .failure(let e):
                    fail(e)
                case .success(nil) where Clock.monotonicMs() < deadline:
                    self.loop.schedule(afterMs: 50) { attempt() }
                case .success(nil):
                    fail(NetmonError(.interfaceNotFound, "No interface with MAC \(mac) in the namespace of \(pid)", field: "mac_address"))
                case .success(let name?):
                    do throws(NetmonError) {
                        let message = try self.dhcp.start(key: key, mac: mac, pid: pid, interface: name, requested: requested)
                        ok(["message": .string(message), "interface": .string(name)])
                    } catch {
                        fail(error)
                    }
                }
            }
        }
        attempt()
    }

    /// Runs `work` on a worker thread and `then` with its result back on the loop.
    func offload<T: Sendable>(
        _ work: @escaping @Sendable () throws(NetmonError) -> T, then: @escaping (Result<T, NetmonError>) -> Void
    ) {
        let box = LoopBound(then)
        pool.submit { [loop] in
            let result: Result<T, NetmonError>
            do throws(NetmonError) {
                result = .success(try work())
            } catch {
                result = .failure(error)
            }
            loop.post { box.value(result) }
        }
    }
}

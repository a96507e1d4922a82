#if canImport(Glibc)
import Glibc
#endif
import AgentJSON
import NetmonCore

/// The proxy-ARP bridges this sidecar made, by container (and vNIC). Loop thread only; the
/// kernel work runs on a worker (``ProxyArpOps``). Work on one key runs one at a time, in order.
final class ProxyArpBridges {
    private let offload: (@escaping @Sendable () throws(NetmonError) -> JSONObject, @escaping (Result<JSONObject, NetmonError>) -> Void) -> Void
    private let iptables: String?
    private(set) var bridges: [ProxyArpKey: ProxyArpBridge] = [:]
    /// Keys with work in flight, and the work waiting behind it.
    private var queues: [ProxyArpKey: [() -> Void]] = [:]

    init(
        iptables: String?,
        offload: @escaping (@escaping @Sendable () throws(NetmonError) -> JSONObject, @escaping (Result<JSONObject, NetmonError>) -> Void) -> Void
    ) {
        self.iptables = iptables
        self.offload = offload
    }

    /// setup_proxy_arp_bridge: the same bridge again (same pid, address, parent, gateway) is
    /// answered as it is; any other bridge of the key is removed first. `staleVeth`: a host end
    /// an earlier sidecar made for this key (removed first when it is a `veth-*` link).
    func setup(_ s: ProxyArpSetup, staleVeth: String? = nil, done: @escaping (Result<ProxyArpBridge, NetmonError>) -> Void) {
        serial(s.key) { [unowned self] next in
            if let b = self.bridges[s.key], b.pid == s.pid, b.ip == s.ip, b.parent == s.parent, b.gateway == s.gateway, b.prefix == s.prefix {
                done(.success(b))
                return next()
            }
            let old = self.bridges.removeValue(forKey: s.key)
            let names = self.vethNames(for: s.key)
            let iptables = self.iptables
            let stale = staleVeth.flatMap { $0.hasPrefix("veth-") && $0 != old?.vethHost ? $0 : nil }
            let box = BridgeBox()
            self.offload({ () throws(NetmonError) -> JSONObject in
                if let old { ProxyArpOps.removeHostSide(vethHost: old.vethHost, ip: old.ip, parent: old.parent, iptables: iptables) }
                if let stale { ProxyArpOps.removeHostSide(vethHost: stale, ip: s.ip, parent: s.parent, iptables: iptables) }
                let made = try ProxyArpOps.build(s, vethNames: names, iptables: iptables)
                box.bridge = made
                return made.json
            }) { [unowned self] result in
                switch result {
                case .success:
                    if let b = box.bridge {
                        self.bridges[s.key] = b
                        Log.info("proxy-ARP bridge \(s.key): \(b.vethHost) <-> \(b.vethContainer) \(b.ip)/\(b.prefix) on \(b.parent)")
                        done(.success(b))
                    } else {
                        done(.failure(NetmonError(.netlinkError, "bridge \(s.key) was built but not returned")))
                    }
                case .failure(let e):
                    Log.warning("proxy-ARP bridge \(s.key): \(e)")
                    done(.failure(e))
                }
                next()
            }
        }
    }

    /// cleanup_proxy_arp_bridge: the table's bridge of the key, else what the caller named (a host
    /// end called `veth-*`, the proxy neighbour of `ip` on `parent`). Answers whether a veth went.
    func cleanup(_ c: ProxyArpCleanup, done: @escaping (Result<Bool, NetmonError>) -> Void) {
        serial(c.key) { [unowned self] next in
            let known = self.bridges.removeValue(forKey: c.key)
            let veth = known?.vethHost ?? c.vethHost.flatMap { $0.hasPrefix("veth-") ? $0 : nil }
            let ip = known?.ip ?? c.ip
            let parent = known?.parent ?? c.parent
            guard veth != nil || (ip != nil && parent != nil) else {
                done(.failure(NetmonError(.bridgeNotFound, "No proxy-ARP bridge known for \(c.key)", field: "container_name")))
                return next()
            }
            let iptables = self.iptables
            self.offload({ () throws(NetmonError) -> JSONObject in
                ["veth_removed": .bool(ProxyArpOps.removeHostSide(vethHost: veth, ip: ip, parent: parent, iptables: iptables))]
            }) { result in
                if case .success = result { Log.info("proxy-ARP bridge \(c.key) removed") }
                done(result.map { $0["veth_removed"]?.boolValue ?? false })
                next()
            }
        }
    }

    /// Removes the bridges of `container` (every vNIC), e.g. when its WiFi DHCP client stops.
    func cleanup(container: String, vnic: String) {
        for key in bridges.keys where key.container == container && (key.vnic == nil || key.vnic == vnic) {
            cleanup(ProxyArpCleanup(key: key)) { _ in }
        }
    }

    /// cleanup_all_proxy_arp: every bridge in the table and every `veth-*` link left by an
    /// earlier sidecar. Answers how many veths went.
    func cleanupAll(done: @escaping (Int) -> Void) {
        let all = Array(bridges.values)
        bridges.removeAll()
        let iptables = self.iptables
        offload({ () throws(NetmonError) -> JSONObject in
            var removed = 0
            for b in all where ProxyArpOps.removeHostSide(vethHost: b.vethHost, ip: b.ip, parent: b.parent, iptables: iptables) {
                removed += 1
            }
            do throws(NetmonError) {
                for name in try ProxyArpOps.leftoverVeths()
                where ProxyArpOps.removeHostSide(vethHost: name, ip: nil, parent: nil, iptables: nil) {
                    removed += 1
                }
            } catch {
                Log.warning("cleanup_all_proxy_arp: cannot list leftover veths: \(error)")
            }
            return ["veths_removed": .number(Double(removed))]
        }) { result in
            done(Int((try? result.get())?["veths_removed"]?.numberValue ?? 0))  // harmless: the work above never throws
        }
    }

    /// Names for the host end, best first: upstream's `veth-<first 8 of the container name>`,
    /// then `veth-<8 hex of a hash of the key>`, then a random one; names another bridge of this
    /// sidecar uses are left out (the build also skips names the kernel already has, so a link of
    /// another container is never taken over).
    func vethNames(for key: ProxyArpKey) -> [String] {
        let used = Set(bridges.filter { $0.key != key }.map(\.value.vethHost))
        let candidates = [
            "veth-" + String(key.container.prefix(8)), "veth-" + String(Self.fnv32(key.description), radix: 16),
            "veth-" + String(UInt32.random(in: 0...UInt32.max) & 0x0fff_ffff, radix: 16),
        ]
        return candidates.filter { !used.contains($0) }
    }

    private static func fnv32(_ s: String) -> UInt32 {
        var h: UInt32 = 0x811c_9dc5
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }

    /// Runs `work` when no earlier work of `key` is in flight; `work` calls `next` when done.
    private func serial(_ key: ProxyArpKey, _ work: @escaping (_ next: @escaping () -> Void) -> Void) {
        let run: () -> Void = { [unowned self] in work { self.advance(key) } }
        if queues[key] != nil {
            queues[key]?.append(run)
        } else {
            queues[key] = []
            run()
        }
    }

    private func advance(_ key: ProxyArpKey) {
        guard var waiting = queues[key], !waiting.isEmpty else {
            queues[key] = nil
            return
        }
        let next = waiting.removeFirst()
        queues[key] = waiting
        next()
    }
}

/// Carries the built bridge from the worker back to the loop (set once on the worker, read on
/// the loop after the worker's result was posted).
private final class BridgeBox: @unchecked Sendable {
    var bridge: ProxyArpBridge?
}

#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore
import NetmonProtocol

/// WiFi DHCP clients (`request_wifi_dhcp`, docs/network-monitor.md "WiFi: proxy-ARP bridges"):
/// udhcpc on the host's WiFi interface for a vPLC, told apart from the host's own client and
/// from other vPLCs' by the DHCP client identifier (option 61). Loop thread only.
extension DhcpSupervisor {
    /// A WiFi client: busybox udhcpc on the host's WiFi interface in the sidecar's own namespace,
    /// client-id option 61 from the request, the lease-only hook.
    func spawnWifi(_ c: DhcpClient, _ wifi: WifiDhcpRequest, busybox: String) throws(NetmonError) {
        var argv = [
            busybox, "udhcpc", "-f", "-i", wifi.parent, "-s", config.wifiScript, "-x", "0x3d:\(wifi.clientIDHex)",
            "-t", "5", "-T", "2", "-A", "3",
        ]
        if let ip = c.lease?.ip { argv += ["-r", ip.description] }
        let pid = try run(c, path: busybox, argv: argv)
        Log.info("dhcp \(c.key): udhcpc pid \(pid) on WiFi \(wifi.parent) (client-id \(wifi.clientID)) for the namespace of \(c.containerPid)")
    }

    /// request_wifi_dhcp: a WiFi client for `r` (idempotent for the same key, pid and parent;
    /// anything else replaces the old client).
    func startWifi(_ r: WifiDhcpRequest) throws(NetmonError) -> String {
        if let old = clients[r.key] {
            if old.containerPid == r.pid, old.isActive, old.wifi == r { return "already running" }
            Log.info("dhcp \(r.key): replacing the client (pid \(old.containerPid) -> \(r.pid))")
            stop(old, event: nil, replaced: true) {}
        }
        let pidfd = cnl_pidfd_open(r.pid)
        guard pidfd >= 0 else {
            throw pidfd == -ESRCH ? NetmonError(.noSuchProcess, "No such process: \(r.pid)", field: "container_pid")
                : NetmonError(.spawnFailed, "pidfd_open(\(r.pid)): \(errnoText(pidfd))")
        }
        let c = DhcpClient(key: r.key, mac: "", containerPid: r.pid, interface: r.parent, requested: nil)
        c.wifi = r
        try launch(c, pidfd: pidfd)
        return "WiFi DHCP client started"
    }

}

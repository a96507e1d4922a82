#if canImport(Glibc)
import Glibc
#endif
import NetmonCore
import NetmonProtocol

/// One busybox udhcpc running inside a container's network namespace for one vNIC.
final class DhcpClient {
    enum State {
        case running
        /// The client died while the container lives; a restart is scheduled.
        case waitingRestart
        /// Being stopped (stop_dhcp, container exit, replaced, shutdown).
        case stopping
    }

    let key: DhcpKey
    let mac: String
    let containerPid: Int32
    /// The address to ask for when no lease was seen yet (start_dhcp's `requested_ip`).
    let requested: IPv4?
    /// Set for a WiFi client: udhcpc runs on the host's WiFi interface (the sidecar's namespace)
    /// with option 61, and each new address is put through a proxy-ARP bridge.
    var wifi: WifiDhcpRequest? = nil
    /// The address the WiFi client's bridge was last built for.
    var bridgedIP: IPv4? = nil
    /// Whether clients of this key that this sidecar did not start were looked for (once, at
    /// the first lease).
    var foreignEnded = false
    var interface: String
    var state: State = .running
    var child: pid_t? = nil
    var output: Int32 = -1
    var framer = LineFramer(maxLineBytes: 64 * 1024)
    var pidfd: Int32 = -1
    var lease: DhcpLease? = nil
    var lastEvent: String? = nil
    var backoff = RestartBackoff()
    var restartTimer: UInt64? = nil
    var killTimer: UInt64? = nil
    var stopWaiters: [() -> Void] = []

    init(key: DhcpKey, mac: String, containerPid: Int32, interface: String, requested: IPv4?) {
        self.key = key
        self.mac = mac
        self.containerPid = containerPid
        self.interface = interface
        self.requested = requested
    }

    /// The address a (re)started udhcpc asks for: the last lease's, else the requested one.
    var addressToKeep: IPv4? { lease?.ip ?? requested }

    /// Running or about to be restarted (not being stopped).
    var isActive: Bool { state != .stopping }
}

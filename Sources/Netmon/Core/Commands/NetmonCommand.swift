import AgentJSON

/// A DHCP client's identity: `<container>:<vnic>` (upstream's key).
public struct DhcpKey: Sendable, Hashable, CustomStringConvertible {
    public let container: String
    public let vnic: String

    public init(container: String, vnic: String) {
        self.container = container
        self.vnic = vnic
    }

    public var description: String { "\(container):\(vnic)" }
}

/// A validated command (client → sidecar).
public enum NetmonCommand: Sendable, Equatable {
    case getInterfaces
    /// `get_status` and `get_netlink_status` (same answer).
    case getStatus
    case getDhcpStatus
    /// `get_device_status`: the serial-device table as it is.
    case getDevices
    /// `discover_devices`: scans sysfs again (changes are broadcast), then lists the table.
    case discoverDevices
    /// `test_add_device` (only with `--test-devices`): puts a device into the table as a
    /// hot-plug would, without a kernel event (a test's pty pair).
    case testAddDevice(SerialDevice)
    /// `test_remove_device` (only with `--test-devices`): removes a device as an unplug would.
    case testRemoveDevice(path: String)
    /// `requestedIP`: the address the vNIC held before (another client's lease, e.g. the Python
    /// sidecar's at a takeover): udhcpc asks the server for it, and the address stays on the link
    /// until the server answers instead of being flushed at the client's start.
    case startDhcp(key: DhcpKey, mac: String, pid: Int32, requestedIP: IPv4? = nil)
    case stopDhcp(key: DhcpKey)
    case renewDhcp(key: DhcpKey)
    /// Sets the MAC of the link that has `currentMac` inside `pid`'s netns.
    case setLinkMac(pid: Int32, currentMac: String, newMac: String)
    /// `container`: the vPLC the NIC is dedicated to (reported as `dedicated_nics`).
    case moveNicToContainer(interface: String, pid: Int32, container: String? = nil)
    case returnNicToHost(interface: String, pid: Int32)
    /// `container`: as for the move (a NIC found there is recorded as dedicated to it).
    case checkNicInContainer(interface: String, pid: Int32, container: String? = nil)
    /// Gratuitous ARP for `ip` from the link with `mac` inside `pid`'s netns: `count`
    /// announcements `intervalMs` apart (RFC 5227 §3), so the LAN learns the address at once.
    case announceAddress(pid: Int32, mac: String, ip: IPv4, count: Int, intervalMs: Int)
    /// RFC 5227 probe for `ip` on host interface `interface` (the sidecar's namespace): is another
    /// host using it? Waits up to `waitMs`.
    case probeAddress(interface: String, ip: IPv4, waitMs: Int)
    /// Bind-mounts host character device `hostPath` at `containerPath` in the mount namespace of
    /// `pid` (serial passthrough; a node mounted there before is replaced).
    case bindDeviceNode(pid: Int32, hostPath: String, containerPath: String)
    /// Unmounts the node at `containerPath` in the mount namespace of `pid` and removes its placeholder.
    case removeDeviceNode(pid: Int32, containerPath: String)
    /// WiFi: a veth pair into the container and proxy ARP on the WiFi parent.
    case setupProxyArp(ProxyArpSetup)
    case cleanupProxyArp(ProxyArpCleanup)
    /// Every bridge this sidecar made, and every `veth-*` link left by an earlier one.
    case cleanupAllProxyArp
    /// WiFi DHCP: udhcpc on the host's WiFi interface with client-id option 61.
    case requestWifiDhcp(WifiDhcpRequest)
    /// An upstream command this sidecar does not implement.
    case notSupported(name: String)
}

/// One line's worth of request: the echoed `id` (string or number; nil when absent) and the command.
public struct NetmonRequest: Sendable, Equatable {
    public let id: JSONValue?
    public let name: String
    public let command: NetmonCommand

    public init(id: JSONValue?, name: String, command: NetmonCommand) {
        self.id = id
        self.name = name
        self.command = command
    }

    /// Commands with an id run concurrently; without one, in order per connection.
    public var isConcurrent: Bool { id != nil }
}

/// A line that could not become a request: the error to answer, with the `id` when one was readable.
public struct RejectedRequest: Error, Sendable, Equatable {
    public let id: JSONValue?
    public let error: NetmonError

    public init(id: JSONValue?, error: NetmonError) {
        self.id = id
        self.error = error
    }
}

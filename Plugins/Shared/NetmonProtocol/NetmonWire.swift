/// Names of the netmon socket protocol (docs/network-monitor.md). Upstream-compatible message
/// types and commands, plus the additions of this project (request ids, typed error codes).
public enum NetmonWire {
    /// Default socket path (upstream's shared-volume path).
    public static let defaultSocketPath = "/var/orchestrator/netmon.sock"

    /// Event `type`s sent by the sidecar to every client.
    public enum Event {
        public static let networkDiscovery = "network_discovery"
        public static let deviceDiscovery = "device_discovery"
        public static let networkChange = "network_change"
        public static let deviceChange = "device_change"
        public static let dhcpUpdate = "dhcp_update"
        /// This project's addition: the host NICs the sidecar moved into containers, by vPLC
        /// (`{"nics": [{"interface", "container_name", "container_pid"}]}`), after the greeting
        /// when any and on every change.
        public static let dedicatedNics = "dedicated_nics"
    }

    /// `status` of a `network_change`.
    public enum Status {
        public static let up = "up"
        public static let down = "down"
        public static let removed = "removed"
    }
}

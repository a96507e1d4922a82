import RuntimeModel

/// The DHCP leases the sidecar reported, by device and vNIC (`dhcp_update` events and
/// `get_dhcp_status`), and where each vNIC's client runs. Owned by ``DHCPCoordinator``.
actor LeaseTable {
    /// The container process and the vNIC MAC a DHCP client was started for.
    struct Client: Sendable, Equatable {
        var pid: Double
        var mac: String
    }

    private var leases: [String: [String: DHCPLease]] = [:]
    private var clients: [String: [String: Client]] = [:]

    /// Notes that `device`'s `vnic` has a client for `client` (a `start_dhcp` the sidecar took).
    func started(_ device: String, _ vnic: String, _ client: Client) { clients[device, default: [:]][vnic] = client }

    /// Where `device`'s `vnic` client runs, if one was started since the device's clients last stopped.
    func client(_ device: String, _ vnic: String) -> Client? { clients[device]?[vnic] }

    /// Keeps `lease` as its vNIC's newest.
    func set(_ lease: DHCPLease) { leases[lease.device, default: [:]][lease.vnic] = lease }

    /// The leases of `device` by vNIC name.
    func leases(_ device: String) -> [String: DHCPLease] { leases[device] ?? [:] }

    /// Forgets every lease and client of `device` (its DHCP clients were stopped).
    func forget(_ device: String) {
        leases[device] = nil
        clients[device] = nil
    }
}

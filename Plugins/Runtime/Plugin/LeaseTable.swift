import RuntimeModel

/// The DHCP leases the sidecar reported, by device and vNIC (`dhcp_update` events and
/// `get_dhcp_status`). Owned by ``DHCPCoordinator``.
actor LeaseTable {
    private var leases: [String: [String: DHCPLease]] = [:]

    /// Keeps `lease` as its vNIC's newest.
    func set(_ lease: DHCPLease) { leases[lease.device, default: [:]][lease.vnic] = lease }

    /// The leases of `device` by vNIC name.
    func leases(_ device: String) -> [String: DHCPLease] { leases[device] ?? [:] }

    /// Forgets every lease of `device` (its DHCP clients were stopped).
    func forget(_ device: String) { leases[device] = nil }
}

import AgentContracts

/// The netmon listener's topic contracts, shared with the fuzz targets.
public enum NetmonContracts {
    /// `get_host_interfaces` (spec §2.6): `BASE_MESSAGE` + `include_virtual` / `detailed`, optional
    /// booleans (defaults false / true, applied with upstream's `add_defaults`).
    public static let hostInterfaces = Contract.baseMessage.merging(
        Contract([("include_virtual", .optional(.boolean)), ("detailed", .optional(.boolean))]))

    /// `get_serial_devices` (spec §2.7): `BASE_MESSAGE` only (with upstream's `add_defaults`).
    public static let serialDevices = Contract.baseMessage
}

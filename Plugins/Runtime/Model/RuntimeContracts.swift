import AgentContracts
import HostMetrics

/// Message contracts of the vPLC topics (spec §2, plus the topics upstream lacks): the runtime
/// plugin declares its topics with them, and the fuzz targets check inputs against the same
/// values (one definition, no copies).
public enum RuntimeContracts {
    /// One `vnic_configs` entry.
    public static let vnic = Contract([
        ("name", .string), ("parent_interface", .string), ("network_mode", .string), ("ip", .optional(.string)),
        ("subnet", .optional(.string)), ("gateway", .optional(.string)), ("dns", .optional(.list(.string))),
        ("mac", .optional(.string)),
    ])
    /// One `serial_configs` entry.
    public static let serial = Contract([
        ("name", .string), ("device_id", .string), ("container_path", .string), ("baud_rate", .optional(.number)),
    ])

    /// `create_new_runtime`.
    public static let create = Contract.baseMessage.merging(
        Contract([
            ("container_name", .nonEmptyString), ("vnic_configs", .list(.object(vnic))),
            ("serial_configs", .optional(.list(.object(serial)))), ("runtime_version", .optional(.string)),
            ("dedicated_interface", .optional(.interfaceName)),
        ]))

    /// The topics that name one vPLC (`delete_device`, `get_device_status`, the power topics).
    public static let device = Contract.baseDevice

    /// `run_command`.
    public static let runCommand = Contract.baseDevice.merging(
        Contract([
            ("method", .string), ("api", .string), ("port", .optional(.number)), ("scheme", .optional(.string)),
            ("timeout_ms", .optional(.number)),
        ]))

    /// `get_consumption_device`.
    public static let consumption = ConsumptionContracts.device

    /// The topics without fields of their own.
    public static let message = Contract.baseMessage

    /// `upgrade_orchestrator`: the new image (default: the site's `agent_image`, else the
    /// running one), the netmon's, and the health deadline (checked by ``UpgradeRequest``).
    public static let upgrade = Contract.baseMessage.merging(
        Contract([("image", .optional(.string)), ("netmon_image", .optional(.string)), ("deadline_s", .optional(.number))]))
}

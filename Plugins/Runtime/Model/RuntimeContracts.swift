import AgentContracts

/// Message contracts of the vPLC topics (spec §2, plus the topics upstream lacks).
enum RuntimeContracts {
    static let vnic = Contract([
        ("name", .string), ("parent_interface", .string), ("network_mode", .string), ("ip", .optional(.string)),
        ("subnet", .optional(.string)), ("gateway", .optional(.string)), ("dns", .optional(.list(.string))),
        ("mac", .optional(.string)),
    ])
    static let serial = Contract([
        ("name", .string), ("device_id", .string), ("container_path", .string), ("baud_rate", .optional(.number)),
    ])

    static let create = Contract.baseMessage.merging(
        Contract([
            ("container_name", .nonEmptyString), ("vnic_configs", .list(.object(vnic))),
            ("serial_configs", .optional(.list(.object(serial)))), ("runtime_version", .optional(.string)),
            ("dedicated_interface", .optional(.interfaceName)),
        ]))

    static let device = Contract.baseDevice

    static let runCommand = Contract.baseDevice.merging(
        Contract([
            ("method", .string), ("api", .string), ("port", .optional(.number)), ("scheme", .optional(.string)),
            ("timeout_ms", .optional(.number)),
        ]))

    static let consumption = Contract.baseDevice.merging(Contract([("cpuPeriod", .string), ("memoryPeriod", .string)]))

    static let message = Contract.baseMessage

    /// `upgrade_orchestrator`: the new image (default: the site's `agent_image`, else the
    /// running one), the netmon's, and the health deadline (checked by ``UpgradeRequest``).
    static let upgrade = Contract.baseMessage.merging(
        Contract([("image", .optional(.string)), ("netmon_image", .optional(.string)), ("deadline_s", .optional(.number))]))
}

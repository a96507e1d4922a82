import AgentContracts

/// The message contracts the plugins and the core declare, by topic. Plugins keep theirs internal
/// (and a test module must not link a plugin), so these are copies; keep them in step with
/// - `Plugins/Runtime/Plugin/RuntimeContracts.swift` (the vPLC topics),
/// - `Plugins/HostTopics/Plugin/ConsumptionTopic.swift`, `Plugins/Netmon/Plugin/HostInterfacesTopic.swift`,
/// - `Sources/AgentCore/Toggles/AgentConfigTopics.swift`.
enum DeclaredContracts {
    static let vnic = Contract([
        ("name", .string), ("parent_interface", .string), ("network_mode", .string), ("ip", .optional(.string)),
        ("subnet", .optional(.string)), ("gateway", .optional(.string)), ("dns", .optional(.list(.string))),
        ("mac", .optional(.string)),
    ])
    static let serial = Contract([
        ("name", .string), ("device_id", .string), ("container_path", .string), ("baud_rate", .optional(.number)),
    ])

    /// Topic name → contract, in a stable order.
    static let byTopic: [(topic: String, contract: Contract)] = [
        (
            "create_new_runtime",
            Contract.baseMessage.merging(
                Contract([
                    ("container_name", .nonEmptyString), ("vnic_configs", .list(.object(vnic))),
                    ("serial_configs", .optional(.list(.object(serial)))), ("runtime_version", .optional(.string)),
                    ("dedicated_interface", .optional(.interfaceName)),
                ]))
        ),
        ("delete_device", Contract.baseDevice),
        (
            "run_command",
            Contract.baseDevice.merging(
                Contract([
                    ("method", .string), ("api", .string), ("port", .optional(.number)), ("scheme", .optional(.string)),
                    ("timeout_ms", .optional(.number)),
                ]))
        ),
        ("get_consumption_device", Contract.baseDevice.merging(Contract([("cpuPeriod", .string), ("memoryPeriod", .string)]))),
        ("get_consumption_orchestrator", Contract.baseMessage.merging(Contract([("cpuPeriod", .string), ("memoryPeriod", .string)]))),
        (
            "upgrade_orchestrator",
            Contract.baseMessage.merging(
                Contract([("image", .optional(.string)), ("netmon_image", .optional(.string)), ("deadline_s", .optional(.number))]))
        ),
        (
            "get_host_interfaces",
            Contract.baseMessage.merging(Contract([("include_virtual", .optional(.boolean)), ("detailed", .optional(.boolean))]))
        ),
        (
            "set_site_toggles",
            Contract.baseMessage.merging([
                "topics": .optional(.object(Contract())), "features": .optional(.object(Contract())),
                "plugins": .optional(.object(Contract())),
            ])
        ),
    ]
}

import AgentContracts

/// The consumption topics' contracts (spec §2.8, §2.9): a period for the CPU history and one for
/// the memory history. Shared by the host-topics plugin (the host's), the runtime plugin (a
/// vPLC's) and the fuzz targets.
public enum ConsumptionContracts {
    /// `get_consumption_orchestrator`.
    public static let orchestrator = Contract.baseMessage.merging(Contract([("cpuPeriod", .string), ("memoryPeriod", .string)]))
    /// `get_consumption_device`.
    public static let device = Contract.baseDevice.merging(Contract([("cpuPeriod", .string), ("memoryPeriod", .string)]))
}

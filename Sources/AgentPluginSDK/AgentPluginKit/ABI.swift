import CAgentABI

/// The header's status constants as `Int32` (C anonymous enums import as `Int`).
enum ABI {
    static let ok = Int32(AGENT_OK)
    static let notFound = Int32(AGENT_E_NOT_FOUND)
    static let invalidArgument = Int32(AGENT_E_INVALID_ARGUMENT)
    static let cancelled = Int32(AGENT_E_CANCELLED)
    static let internalError = Int32(AGENT_E_INTERNAL)
    static let unsupported = Int32(AGENT_E_UNSUPPORTED)
}

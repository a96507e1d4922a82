import AgentJSON
import AgentPluginKit
import PodmanEngine

extension PluginError {
    /// The driver's error at the plugin boundary: same `code`, `message` and `field`;
    /// `details.http_status` when the engine answered; the ABI status class by code.
    init(_ error: PodmanEngineError) {
        var details: JSONObject?
        if let status = error.httpStatus { details = ["http_status": .number(Double(status))] }
        self.init(
            status: ABIStatus.for(error.code), code: error.code.rawValue, message: error.message, field: error.field,
            details: details)
    }
}

/// The `agent_status` values of `agent_plugin.h` (ABI major 1; frozen). Spelled out here because
/// the SDK keeps its constants internal and this target does not depend on `CAgentABI`.
private enum ABIStatus {
    static let invalidArgument: Int32 = 1
    static let unsupported: Int32 = 2
    static let notFound: Int32 = 3
    static let busy: Int32 = 4
    static let timeout: Int32 = 5
    static let io: Int32 = 6
    static let cancelled: Int32 = 7

    static func `for`(_ code: PodmanEngineError.Code) -> Int32 {
        switch code {
        case .badParams, .badConfig, .engineBadRequest, .engineForbidden: return invalidArgument
        case .unknownMethod: return unsupported
        case .engineNotFound: return notFound
        case .engineConflict: return busy
        case .engineTimeout: return timeout
        case .cancelled: return cancelled
        default: return io
        }
    }
}

import AgentPluginKit
import NetmonCache

/// The one error of the listener plugin: a stable code, a message that says what to do, and the
/// offending field when there is one. Crosses the ABI as a ``PluginError`` (``pluginError``).
struct NetmonError: Error, Sendable, CustomStringConvertible {
    /// Stable snake_case codes. Codes sent by the sidecar (`interface_not_found`, …) pass through.
    struct Code: Sendable, Hashable, CustomStringConvertible {
        let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }

        /// A plugin setting is invalid (`field` names it).
        static let badConfig = Code("bad_config")
        /// Not connected to the sidecar, or the link was lost while waiting.
        static let unavailable = Code("netmon_unavailable")
        /// The sidecar did not answer within `command_timeout_ms`.
        static let timeout = Code("netmon_timeout")
        /// The sidecar refused a command without giving a code.
        static let sidecarError = Code("netmon_error")
        /// The plugin shut down while the command waited.
        static let cancelled = Code("cancelled")
        /// `interface`: no such interface in the cache.
        static let unknownInterface = Code("unknown_interface")
        /// `invoke` with a method this provider does not have.
        static let unknownMethod = Code("unknown_method")
        /// A method's parameter is missing or ill-typed (`field` names it).
        static let badParams = Code("bad_params")

        var description: String { rawValue }
    }

    let code: Code
    let message: String
    let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The cache module's error, same code and message (`interface_cache_empty`).
    init(_ error: NetmonCacheError) { self.init(Code(error.code.rawValue), error.message) }

    var description: String { "\(code): \(message)" }

    /// The error at the plugin boundary, with the ABI status class for its code.
    var pluginError: PluginError {
        PluginError(status: status, code: code.rawValue, message: message, field: field)
    }

    /// `agent_status` values of `agent_plugin.h` (ABI major 1, frozen; the SDK keeps its
    /// constants internal).
    private var status: Int32 {
        switch code {
        case .badConfig, .badParams: return 1  // AGENT_E_INVALID_ARGUMENT
        case .unknownMethod: return 2  // AGENT_E_UNSUPPORTED
        case .unknownInterface: return 3  // AGENT_E_NOT_FOUND
        case .timeout: return 5  // AGENT_E_TIMEOUT
        case .cancelled: return 7  // AGENT_E_CANCELLED
        default: return field == nil ? 6 : 1  // AGENT_E_IO, or a field the sidecar refused
        }
    }
}

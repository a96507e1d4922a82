/// One line of the plugin inventory (`orchestrator-agent plugins list`, heartbeat).
public struct PluginRecord: Sendable, Equatable {
    /// Where the plugin is in its life.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        /// Loaded, initialised and registered.
        case loaded
        /// Refused before or at the handshake: never initialised.
        case refused(PluginRefusal)
        /// Handshake passed but init or registration failed.
        case failed(PluginRefusal)

        /// Loaded, or refused only because `plugins.deny` names it (as the site configured it).
        public var isLoadedOrDenied: Bool {
            switch self {
            case .loaded: return true
            case .refused(let r): return r.code == .denied
            case .failed: return false
            }
        }

        public var description: String {
            switch self {
            case .loaded: return "loaded"
            case .refused(let r): return "refused(\(r.code): \(r.message))"
            case .failed(let r): return "failed(\(r.code): \(r.message))"
            }
        }
    }

    public var id: String
    public var path: String
    public var version: String?
    /// "major.minor" the plugin declared.
    public var abi: String?
    /// SHA-256 of the bytes that were checked (and, when loaded, the bytes that were loaded).
    public var sha256: String?
    public var toolchain: String?
    public var state: State
    /// `protocol/name` of everything it registered.
    public var registrations: [String] = []
    /// Load time in microseconds (checks + hash + dlopen + handshake + init + register).
    public var loadMicroseconds: Int?
}

import AgentContracts
import AgentJSON
import Synchronization

/// A topic answered by the core itself rather than a plugin (`get_agent_config`,
/// `set_site_toggles`). It goes through the same checks as a plugin topic: enabled, defaults,
/// contract, timeout-free handler, response envelope, observers.
public struct CoreTopic: Sendable {
    /// A typed failure of a core topic: `code` is stable, `field` names the offending input.
    public struct Failure: Error, Sendable {
        public let code: String
        public let message: String
        public let field: String?
        public init(_ code: String, _ message: String, field: String? = nil) {
            self.code = code
            self.message = message
            self.field = field
        }
    }

    public let name: String
    public let contract: Contract
    /// Whether the topic may be disabled by a toggle (the config topics themselves may not).
    public let mayBeDisabled: Bool
    public let handler: @Sendable (_ message: JSONObject, _ origin: CommandOrigin) async throws(Failure) -> JSONObject

    public init(
        name: String, contract: Contract, mayBeDisabled: Bool = true,
        handler: @escaping @Sendable (JSONObject, CommandOrigin) async throws(Failure) -> JSONObject
    ) {
        self.name = name
        self.contract = contract
        self.mayBeDisabled = mayBeDisabled
        self.handler = handler
    }
}

/// The core topics of this process, looked up before the plugin registry.
public final class CoreTopicTable: Sendable {
    private let topics = Mutex<[String: CoreTopic]>([:])

    public init() {}

    /// Adds (or replaces) a core topic.
    public func add(_ topic: CoreTopic) { topics.withLock { $0[topic.name] = topic } }

    /// The core topic named `name`, if any.
    public func lookup(_ name: String) -> CoreTopic? { topics.withLock { $0[name] } }

    /// Every core topic name, sorted.
    public var names: [String] { topics.withLock { $0.keys.sorted() } }
}

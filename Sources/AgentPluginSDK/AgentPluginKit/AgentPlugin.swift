import AgentJSON
import AgentContracts

/// What a plugin author implements: an ordinary Swift type with `async throws` handlers.
///
/// The SDK turns it into a C-ABI plugin (see ``PluginExport``): it builds the descriptor,
/// bridges every call, maps thrown errors onto the ABI's error bodies and forwards logging to the
/// host. One `AgentPlugin` type per shared library.
///
/// ```swift
/// struct Greeter: AgentPlugin {
///     static let id = "com.example.greeter"
///     static let version = "1.0.0"
///     let host: PluginHost
///     init(host: PluginHost, config: JSONObject) throws { self.host = host }
///     var topics: [Topic] {
///         [Topic("example_hello", contract: Contract([("name", .nonEmptyString)])) { request in
///             ["greeting": .string("hello, \(request.message["name"]?.stringValue ?? "")")]
///         }]
///     }
/// }
///
/// @_cdecl("agent_plugin_entry_v1")
/// public func agentPluginEntryV1(_ major: UInt32, _ minor: UInt32) -> UnsafeRawPointer {
///     PluginExport.descriptor(for: Greeter.self)
/// }
/// ```
public protocol AgentPlugin: Sendable {
    /// Reverse-DNS plugin id; must equal the site-config entry that loads the plugin.
    static var id: String { get }
    /// Semantic version of the plugin.
    static var version: String { get }

    /// Builds the plugin. Called once, synchronously, on a host thread while the agent loads
    /// plugins: do no long I/O here (start background work from a topic or a `Task`).
    /// - Parameters:
    ///   - host: the host's services, valid for the life of the process.
    ///   - config: the plugin entry's `config` object from the site config (or empty).
    /// - Throws: any error fails the load; the agent keeps running without this plugin.
    init(host: PluginHost, config: JSONObject) throws

    /// The topics this plugin answers, each with its contract. Read once after `init`.
    var topics: [Topic] { get }

    /// The plugin's cloud transport, if it is one (registered as `agent.transport` under the
    /// plugin id). Read once after `init`. Default: none.
    var transport: (any TransportProvider)? { get }

    /// The plugin's container engine driver, if it is one (registered as
    /// `agent.container_driver` under the plugin id). Read once after `init`. Default: none.
    var containerDriver: (any ContainerDriverProvider)? { get }

    /// The plugin's host-network view, if it is one (registered as `agent.netmon` under the
    /// plugin id). Read once after `init`. Default: none.
    var netmon: (any NetmonProvider)? { get }

    /// The plugin's way of replacing the agent's deployment (self-upgrade), if it has one
    /// (registered as `agent.upgrader` under the plugin id, ABI 1.1). Read once after `init`.
    /// Default: none.
    var upgrader: (any UpgraderProvider)? { get }

    /// Stops background work. Called once when the agent shuts down; in-flight requests have
    /// already been cancelled. Default: nothing.
    func shutdown() async
}

extension AgentPlugin {
    public var transport: (any TransportProvider)? { nil }
    public var containerDriver: (any ContainerDriverProvider)? { nil }
    public var netmon: (any NetmonProvider)? { nil }
    public var upgrader: (any UpgraderProvider)? { nil }
    public func shutdown() async {}
}

/// A command topic: its name, its message contract (validated by the host before the handler
/// runs) and its handler.
public struct Topic: Sendable {
    /// The topic name, e.g. `get_device_status`.
    public let name: String
    /// Fields the message must have; the host rejects non-conforming messages with a typed error.
    public let contract: Contract
    /// When true, the host fills `action` and `requested_at` when the cloud did not send them.
    public let addDefaults: Bool
    /// Answers one message. The returned object is merged into `{action, correlation_id}` by the
    /// host. Throw ``PluginError`` for a typed failure. Honour task cancellation (timeouts).
    public let handler: @Sendable (TopicRequest) async throws -> JSONObject

    public init(
        _ name: String, contract: Contract, addDefaults: Bool = false,
        handler: @escaping @Sendable (TopicRequest) async throws -> JSONObject
    ) {
        self.name = name
        self.contract = contract
        self.addDefaults = addDefaults
        self.handler = handler
    }
}

/// One inbound message, already validated against the topic's contract.
public struct TopicRequest: Sendable {
    /// Unique per process; names the request in host logs.
    public let id: UInt64
    /// The topic it arrived on.
    public let topic: String
    /// The message object (after defaults were added).
    public let message: JSONObject
    /// The host's services.
    public let host: PluginHost
}

import AgentJSON
import CAgentABI

// What an in-process host double (AgentPluginTestKit's `TestHost`) needs from the SDK: a Swift
// plugin type's init/register/shutdown without the library's one exported descriptor, the
// protocol vtables for fakes written in Swift, and handles on registered implementations.
// Plugin authors never call these; they are `@_spi(HostDouble)` so they stay out of the
// author-facing API.

/// The entry points of one Swift plugin type, as the C descriptor's `init`,
/// `register_protocols` and `shutdown` would run them — the same code, bound to `P` instead of
/// the library's exported slot, so one test process can host several plugin types.
@_spi(HostDouble)
public struct PluginEntry: Sendable {
    /// The plugin's reverse-DNS id.
    public let id: String
    /// The plugin's version.
    public let version: String
    private let make: @Sendable (PluginHost, JSONObject) throws -> any AgentPlugin

    /// The entry points of `type`.
    public init<P: AgentPlugin>(_ type: P.Type) {
        id = P.id
        version = P.version
        make = { host, config in try P(host: host, config: config) }
    }

    /// Builds the plugin against `host` (an `agent_host_api` that lives until process exit) with
    /// `config` (JSON bytes of an object). On `AGENT_OK` `state` is the plugin state to pass to
    /// ``register(state:registrar:)`` and ``shutdown(state:)``; otherwise `error` holds the
    /// ABI error body (the caller releases it).
    public func initialize(
        host: UnsafePointer<agent_host_api>, config: [UInt8], state: inout UnsafeMutableRawPointer?,
        error: inout agent_owned_bytes
    ) -> Int32 {
        initPlugin(host, config: config, make: make, id: id, outState: &state, outError: &error)
    }

    /// Registers the plugin's topics and protocol implementations through `registrar`.
    public func register(state: UnsafeMutableRawPointer, registrar: UnsafePointer<agent_registrar>) -> Int32 {
        pluginRegister(state, registrar)
    }

    /// Cancels in-flight requests and runs the plugin's `shutdown` (bounded, blocking: call it
    /// off the Swift concurrency pool, as the host does).
    public func shutdown(state: UnsafeMutableRawPointer) {
        pluginShutdown(state)
    }
}

/// C vtables and instances for protocol implementations written in Swift, to register in a host
/// double's registry (the pointers live until process exit, as the ABI requires).
@_spi(HostDouble)
public enum ProviderVTable {
    /// `agent_container_driver_v1` over `provider`.
    public static func containerDriver(_ provider: any ContainerDriverProvider)
        -> (vtable: UnsafePointer<agent_vtable_header>, instance: UnsafeMutableRawPointer)
    {
        (header(driverVTable), Unmanaged.passRetained(DriverBox(provider)).toOpaque())
    }

    /// `agent_netmon_v1` over `provider`.
    public static func netmon(_ provider: any NetmonProvider)
        -> (vtable: UnsafePointer<agent_vtable_header>, instance: UnsafeMutableRawPointer)
    {
        (header(netmonVTable), Unmanaged.passRetained(NetmonBox(provider)).toOpaque())
    }

    /// `agent_upgrader_v1` over `provider`.
    public static func upgrader(_ provider: any UpgraderProvider)
        -> (vtable: UnsafePointer<agent_vtable_header>, instance: UnsafeMutableRawPointer)
    {
        (header(upgraderVTable), Unmanaged.passRetained(UpgraderBox(provider)).toOpaque())
    }

    /// `agent_transport_v1` over `provider`.
    public static func transport(_ provider: any TransportProvider)
        -> (vtable: UnsafePointer<agent_vtable_header>, instance: UnsafeMutableRawPointer)
    {
        (header(transportVTable), Unmanaged.passRetained(TransportBox(provider)).toOpaque())
    }

    private static func header<T>(_ vtable: UnsafeMutablePointer<T>) -> UnsafePointer<agent_vtable_header> {
        UnsafeRawPointer(vtable).assumingMemoryBound(to: agent_vtable_header.self)
    }
}

@_spi(HostDouble)
extension PluginHost {
    /// A plugin's view of a host API table (a host double builds the table).
    public init(api: UnsafePointer<agent_host_api>) { self.init(api) }
}

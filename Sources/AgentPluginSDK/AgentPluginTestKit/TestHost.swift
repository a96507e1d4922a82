import Synchronization
@_spi(HostDouble) import AgentPluginKit
import AgentContracts
import AgentJSON
import AgentStore
import CAgentABI
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// An in-process host for testing plugins without the agent: the real C host API (`log`,
/// `emit_event`, `config_get`, `feature_enabled`, `lookup_protocol`, `monotonic_now_ns`, the
/// durable store calls), a protocol registry, and the agent's topic dispatch (defaults, contract
/// check, timeout, the cloud's response envelope).
///
/// ```swift
/// try await TestHost.with(config: ["agent": ["mode": "daemon"]]) { host in
///     host.register(containerDriver: FakeContainerEngine())
///     _ = try host.load(MyPlugin.self, config: ["greeting": "hi"])
///     let reply = await host.call("my_topic", ["device_id": "plc1"])
///     #expect(reply["status"] == "success")
/// }
/// ```
///
/// Plugins are driven through the same C vtables the agent uses (a Swift plugin type through
/// the SDK's own init/register/shutdown; a shared library through its exported descriptor), so
/// what passes here passes in the agent. The store is the agent's durable store in a folder of
/// the host's; loading a plugin again on the same host sees what the previous instance stored,
/// as after an agent restart.
public final class TestHost: Sendable {
    let state: HostState
    private let ownsStoreDirectory: Bool
    private let loaded = LoadedList()

    /// - Parameters:
    ///   - config: the site config document plugins read with `host.config(key)` (dotted
    ///     paths, e.g. `["agent": ["mode": "daemon", "state_dir": "/tmp/x"]]`).
    ///   - features: `features.<name>` switches (absent = off, as in the agent).
    ///   - storeDirectory: where the durable store lives; nil = a fresh temporary folder,
    ///     removed by ``shutdown()``.
    ///   - monotonicNanoseconds: the host clock plugins read (default: CLOCK_MONOTONIC).
    /// - Throws: ``TestKitError`` `store_unavailable` when the store folder cannot be used.
    public init(
        config: JSONObject = [:], features: [String: Bool] = [:], storeDirectory: String? = nil,
        monotonicNanoseconds: (@Sendable () -> UInt64)? = nil
    ) throws(TestKitError) {
        let directory: String
        if let storeDirectory {
            directory = storeDirectory
        } else {
            var template = Array("/tmp/agent-testhost-XXXXXX".utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
                throw TestKitError(.storeUnavailable, "cannot make a temporary store folder (errno \(errno))")
            }
            directory = String(cString: made)
        }
        ownsStoreDirectory = storeDirectory == nil
        let store: DurableStore
        do { store = try DurableStore(directory: directory) } catch {
            throw TestKitError(.storeUnavailable, "\(directory): \(error)")
        }
        state = HostState(
            config: config, features: features, store: store, storeDirectory: directory,
            monotonicNanoseconds: monotonicNanoseconds ?? Self.systemMonotonic)
    }

    /// Runs `body` with a fresh host and shuts it down afterwards (also when `body` throws).
    public static func with<T: Sendable>(
        config: JSONObject = [:], features: [String: Bool] = [:], _ body: (TestHost) async throws -> T
    ) async throws -> T {
        let host = try TestHost(config: config, features: features)
        do {
            let value = try await body(host)
            await host.shutdown()
            return value
        } catch {
            await host.shutdown()
            throw error
        }
    }

    /// The folder of the durable store (one `<plugin id>.json` per plugin).
    public var storeDirectory: String { state.storeDirectory }

    // MARK: loading

    /// Loads a Swift plugin type linked into the test, as the agent loads its library.
    /// - Throws: ``TestKitError`` `init_failed` (the plugin's error body in the message) or
    ///   `register_failed` (a refused registration; the plugin is shut down).
    @discardableResult
    public func load<P: AgentPlugin>(_ type: P.Type, config: JSONObject = [:]) throws(TestKitError) -> LoadedPlugin {
        try load(PluginEntryPoints(swift: PluginEntry(type)), config: config)
    }

    /// Loads a plugin from a shared library file (C or Swift), checking its descriptor as the
    /// agent does (magic, ABI, toolchain).
    @discardableResult
    public func load(library path: String, config: JSONObject = [:]) throws(TestKitError) -> LoadedPlugin {
        try load(try PluginEntryPoints(library: path), config: config)
    }

    private func load(_ entry: PluginEntryPoints, config: JSONObject) throws(TestKitError) -> LoadedPlugin {
        let context = PluginContext(pluginID: entry.id, pluginConfig: config, host: state)
        var pluginState: UnsafeMutableRawPointer? = nil
        var error = agent_owned_none()
        let status = entry.initialize(context.makeTable(), JSONWriter.bytes(.object(config)), &pluginState, &error)
        guard status == Int32(AGENT_OK) else {
            let body = String(decoding: Bytes.take(error), as: UTF8.self)
            throw TestKitError(.initFailed, "\(entry.id): status \(status) \(body)")
        }
        let registrar = Registrar(owner: entry.id, host: state)
        let registered = registrar.withRegistrar { entry.register(pluginState, $0) }
        let plugin = LoadedPlugin(entry: entry, state: pluginState, host: state)
        guard registered == Int32(AGENT_OK) else {
            state.unregister(owner: entry.id)
            plugin.shutdownBlocking()
            throw TestKitError(.registerFailed, "\(entry.id): status \(registered) \(registrar.refusal ?? "")")
        }
        loaded.append(plugin)
        return plugin
    }

    // MARK: fakes and other implementations

    /// Registers a container driver (e.g. ``FakeContainerEngine``) as `agent.container_driver`.
    public func register(containerDriver: any ContainerDriverProvider, name: String = "test.container_driver") {
        let (vtable, instance) = ProviderVTable.containerDriver(containerDriver)
        add(AGENT_PROTOCOL_CONTAINER_DRIVER, name, vtable, instance)
    }

    /// Registers a network view (e.g. ``FakeNetmon``) as `agent.netmon`.
    public func register(netmon: any NetmonProvider, name: String = "test.netmon") {
        let (vtable, instance) = ProviderVTable.netmon(netmon)
        add(AGENT_PROTOCOL_NETMON, name, vtable, instance)
    }

    /// Registers an upgrader (`agent.upgrader`: the swap of the agent's own installation).
    public func register(upgrader: any UpgraderProvider, name: String = "test.upgrader") {
        let (vtable, instance) = ProviderVTable.upgrader(upgrader)
        add(AGENT_PROTOCOL_UPGRADER, name, vtable, instance)
    }

    /// Registers a transport (e.g. ``FakeTransport``) as `agent.transport`: cloud events plugins
    /// emit are then sent through it, queued, as in the agent.
    public func register(transport: any TransportProvider, name: String = "test.transport") {
        let (vtable, instance) = ProviderVTable.transport(transport)
        add(AGENT_PROTOCOL_TRANSPORT, name, vtable, instance)
    }

    private func add(_ protocolID: String, _ name: String, _ vtable: UnsafePointer<agent_vtable_header>, _ instance: UnsafeMutableRawPointer) {
        _ = state.register(
            RegistryEntry(
                protocolID: protocolID, name: name, owner: "test", vtable: vtable, instance: instance, contract: nil,
                addDefaults: false))
    }

    /// A handle on what is registered under `protocolID` (and `name`; empty = the first), to
    /// call a plugin's driver, netmon or transport as another plugin would.
    public func lookup(_ protocolID: String, name: String = "") -> ProtocolHandle? {
        state.lookup(protocolID, name: name).map {
            ProtocolHandle(protocolID: $0.protocolID, vtable: $0.vtable, instance: $0.instance)
        }
    }

    /// The topics registered right now, sorted.
    public var topics: [String] {
        state.state.withLock { s in s.registry.filter { $0.protocolID == AGENT_PROTOCOL_TOPIC_HANDLER }.map(\.name).sorted() }
    }

    // MARK: calling topics

    /// Sends one command as the cloud would and answers what the agent would send back: the
    /// handler's object in `{action, correlation_id}`, or `{status: "error", error, code,
    /// field?}` — `unknown_topic`, a contract violation (before the handler runs), `timeout`
    /// (after `timeout` the handler is cancelled), or the handler's typed error.
    public func call(_ topic: String, _ message: JSONObject = [:], timeout: Duration = .seconds(30)) async -> JSONObject {
        let correlation = Response.correlationID(of: message)
        guard let entry = state.lookup(AGENT_PROTOCOL_TOPIC_HANDLER, name: topic), !topic.isEmpty else {
            return Response.error(
                action: topic, correlationID: correlation, code: "unknown_topic",
                message: "Unknown topic '\(topic)': no loaded plugin handles it")
        }
        let prepared: JSONObject
        switch TopicEnvelope.prepare(topic: topic, message: message, addDefaults: entry.addDefaults, contract: entry.contract) {
        case .success(let object): prepared = object
        case .failure(let refusal): return refusal.response
        }
        guard let (status, body) = await TopicCall.run(entry, topic: topic, message: prepared, timeout: timeout) else {
            return Response.error(
                action: topic, correlationID: correlation, code: "timeout",
                message: "Topic '\(topic)' did not answer within \(timeout); the request was cancelled")
        }
        return TopicEnvelope.reply(
            topic: topic, correlationID: correlation, status: status, body: body,
            defaultCode: { String(cString: agent_status_code($0)) })
    }

    // MARK: settings

    /// Turns `features.<name>` on or off (plugins see it at once, as after a toggle reload).
    public func setFeature(_ name: String, _ on: Bool) { state.state.withLock { $0.features[name] = on } }

    /// Replaces the site config document.
    public func setConfig(_ config: JSONObject) { state.state.withLock { $0.config = config } }

    /// A value a plugin stored under `key` (nil when absent).
    public func stored(plugin: String, key: String) throws -> JSONValue? { try state.store.get(plugin, key) }

    // MARK: shutting down

    /// Shuts every loaded plugin down (latest first), drops their registrations, and removes the
    /// store folder when the host made it.
    public func shutdown() async {
        for plugin in loaded.takeAll().reversed() { await plugin.shutdown() }
        if ownsStoreDirectory { TemporaryFolder.remove(state.storeDirectory) }
    }

    private static let systemMonotonic: @Sendable () -> UInt64 = {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

import AgentClock
import AgentJSON
import AgentStore
import CAgentABI
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The composition root of the host: site config, durable store, registry, loaded plugins and
/// the dispatcher. Building an `Agent` loads the plugins; a plugin that is refused or fails is
/// recorded in ``plugins`` and the agent goes on without it.
///
/// Thread-safe. Call ``shutdown()`` once before the process exits (the daemon does it on
/// SIGTERM/SIGINT); plugins are shut down in reverse load order and never unloaded.
public final class Agent: Sendable {
    /// The agent's version (`orchestrator-agent --version`, heartbeat).
    public static var version: String { AgentVersion.current }

    public let services: AgentServices
    public let dispatcher: Dispatcher
    /// The plugin inventory, in config order.
    public let plugins: [PluginRecord]
    let loaded: [LoadedPlugin]
    /// The site toggles (`get_agent_config`, `set_site_toggles`).
    public let toggles: ToggleStore

    /// Loads the config at `configPath`, opens the store and loads the plugins.
    /// - Throws: ``AgentCoreError`` when the config or the store is unusable (plugin failures
    ///   do not throw; see ``plugins``).
    public convenience init(
        configPath: String, logger: Logger, mode: AgentMode = .oneShot, clock: any AgentClock = SystemClock()
    ) throws(AgentCoreError) {
        let config = try SiteConfig.load(path: configPath)
        try self.init(config: ConfigSource(config, path: configPath), logger: logger, mode: mode, clock: clock)
    }

    /// Builds an agent from a config source (tests build configs in memory). `clock` is the
    /// core's time (``AgentServices/clock``); `timerExecutor` where its schedulers run
    /// (``AgentServices/timerExecutor``).
    public init(
        config: ConfigSource, logger: Logger, allowedOwners: Set<uid_t>? = nil, mode: AgentMode = .oneShot,
        clock: any AgentClock = SystemClock(), timerExecutor: (any TaskExecutor)? = nil
    ) throws(AgentCoreError) {
        let storeDir = PathText.appending("store", to: config.config.stateDirectory)
        let store: DurableStore
        do { store = try DurableStore(directory: storeDir, exclusive: true) } catch {
            throw AgentCoreError(.storeUnavailable, "cannot open the durable store in '\(storeDir)': \(error)", cause: error)
        }
        // Site toggles set from the cloud or the local door win over the file; their plugin
        // part (deny/allow/pins) takes effect here, at start, and only here.
        var toggles = SiteToggles()
        var togglesError: String?
        do { toggles = try SiteToggles.load(stateDirectory: config.config.stateDirectory) } catch {
            togglesError = error.message
            logger.error("site toggles ignored: \(error.message)")
        }
        var effective = config.config
        toggles.apply(to: &effective, plugins: true)
        config.replace(effective)
        let services = AgentServices(config: config, store: store, registry: ProtocolRegistry(), logger: logger, mode: mode, clock: clock,
            timerExecutor: timerExecutor)
        self.services = services
        self.dispatcher = Dispatcher(services: services)
        let loader =
            allowedOwners.map { PluginLoader(services: services, allowedOwners: $0) } ?? PluginLoader(services: services)
        (plugins, loaded) = loader.loadAll()
        let unloaded = plugins.compactMap { r -> String? in
            switch r.state {
            case .loaded: return nil
            case .refused(let why), .failed(let why): return "\(r.id) (\(why.code))"
            }
        }
        services.unloaded.withLock { $0 = unloaded }
        let toggleStore = ToggleStore(services: services, toggles: toggles, loadError: togglesError)
        self.toggles = toggleStore
        config.setOverlay { toggleStore.toggles.apply(to: &$0, plugins: false) }
        AgentConfigTopics.register(agent: self, toggles: toggleStore)
    }

    /// Re-reads the site config; topic and feature toggles apply at once, plugin changes at the
    /// next restart (logged). On error the previous config stays in force.
    @discardableResult
    public func reloadConfig() throws(AgentCoreError) -> ConfigSource.ReloadOutcome {
        let outcome = try services.config.reload()
        services.logger.notice(
            "site config reloaded",
            metadata: outcome.pluginsChanged ? ["note": "plugin list changed: restart the agent to apply it"] : [:])
        return outcome
    }

    /// Shuts every loaded plugin down, in reverse load order, on a thread outside the Swift
    /// concurrency pool (a plugin's shutdown may block while it drains its own tasks).
    public func shutdown() async {
        let plugins = loaded
        let logger = services.logger
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DetachedThread.start {
                for plugin in plugins.reversed() {
                    logger.debug("shutting plugin down", metadata: ["plugin": "\(plugin.id)"])
                    PluginLoader.shutdown(plugin)
                }
                done.resume()
            }
        }
        services.store.unlock()
    }
}

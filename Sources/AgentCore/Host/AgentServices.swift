import AgentClock
import AgentStore
import Logging
import Synchronization

/// The services the host shares with every plugin through its host API table.
public final class AgentServices: Sendable {
    public let config: ConfigSource
    public let store: DurableStore
    public let registry: ProtocolRegistry
    public let events: EventRouter
    /// Topics the core answers itself (looked up before the plugins').
    public let coreTopics = CoreTopicTable()
    /// Observers of every answered command (audit, metrics).
    public let commands = CommandObservers()
    /// Observers of the transport's connection-state reports (metrics, health).
    public let link = LinkObservers()
    /// The plugins the loader refused or that failed, as "id (code)" (for `unknown_topic`
    /// answers, which point at them: a refused plugin's topics are never registered).
    public let unloaded = Mutex<[String]>([])
    public let logger: Logger
    /// How the process runs, answered to plugins as the config key `agent.mode`.
    public let mode: AgentMode
    /// The core's time: dispatcher deadlines, audit group commit, command durations
    /// (``SystemClock`` in the daemon; tests pass a ``ManualClock``).
    public let clock: any AgentClock
    /// Where the core's clock schedulers run (``ClockScheduler``): the daemon's event loop
    /// (``EventLoopTaskExecutor``); nil gives each scheduler a thread of its own.
    public let timerExecutor: (any TaskExecutor)?

    public init(
        config: ConfigSource, store: DurableStore, registry: ProtocolRegistry, logger: Logger, mode: AgentMode = .oneShot,
        clock: any AgentClock = SystemClock(), timerExecutor: (any TaskExecutor)? = nil
    ) {
        self.mode = mode
        self.clock = clock
        self.timerExecutor = timerExecutor
        self.config = config
        self.store = store
        self.registry = registry
        self.events = EventRouter(registry: registry)
        self.logger = logger
    }
}

/// How the agent process runs. Plugins read it as `agent.mode` and start background work
/// (supervision loops, samplers) only in a daemon; a one-shot process (`invoke`, `plugins`)
/// finishes what a command started before it exits.
public enum AgentMode: String, Sendable {
    case daemon
    case oneShot = "oneshot"
}

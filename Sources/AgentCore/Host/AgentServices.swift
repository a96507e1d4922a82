import AgentStore
import Logging

/// The services the host shares with every plugin through its host API table.
public final class AgentServices: Sendable {
    public let config: ConfigSource
    public let store: DurableStore
    public let registry: ProtocolRegistry
    public let events: EventRouter
    public let logger: Logger

    public init(config: ConfigSource, store: DurableStore, registry: ProtocolRegistry, logger: Logger) {
        self.config = config
        self.store = store
        self.registry = registry
        self.events = EventRouter(registry: registry)
        self.logger = logger
    }
}

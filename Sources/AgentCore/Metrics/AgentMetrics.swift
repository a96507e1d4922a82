import AgentJSON
import CAgentABI
import Metrics
import Synchronization

/// The agent's metrics, recorded through the swift-metrics API with an explicit factory (the
/// process-wide `MetricsSystem` is never bootstrapped). See docs/logging-metrics.md.
///
/// | name | type | labels |
/// |---|---|---|
/// | `agent_commands_total` | counter | `topic`, `result` (`success` or the error code), `origin_kind` (`cloud`, `local`, `cli`) |
/// | `agent_command_duration_seconds` | histogram (timer) | `topic` |
/// | `agent_cloud_connected` | gauge (0/1) | – |
/// | `agent_cloud_reconnects_total` | counter: `connected` reports after the first | – |
/// | `agent_heartbeat_failures_total` | counter: `local.heartbeat_failed` events | – |
/// | `agent_vplc_restarts_total` | counter: `local.vplc_restarted` events | – |
/// | `agent_plugin_store_failures_total` | counter: `local.store_failed` events | – |
/// | `agent_code_trims_total` | counter: `local.code_trimmed` events (``CodeTrim``) | – |
///
/// A topic no loaded plugin or core table answers is labelled ``unknownTopic``, so a sender
/// cannot grow the number of series with made-up topic names.
///
/// Thread-safe; observers call it from any thread.
public final class AgentMetrics: Sendable {
    /// The `topic` label of commands for topics nobody answers.
    public static let unknownTopic = "_unknown"
    /// The timer's name (its buckets are set by the exporter).
    public static let commandDuration = "agent_command_duration_seconds"

    private let factory: any MetricsFactory
    private let reconnects: Counter
    private let connected: Gauge
    private let heartbeatFailures: Counter
    private let vplcRestarts: Counter
    private let storeFailures: Counter
    private let codeTrims: Counter
    private let sawConnect = Atomic<Bool>(false)

    /// Creates the unlabelled metrics at zero, so they are exported before anything happens.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        reconnects = Counter(label: "agent_cloud_reconnects_total", factory: factory)
        connected = Gauge(label: "agent_cloud_connected", factory: factory)
        heartbeatFailures = Counter(label: "agent_heartbeat_failures_total", factory: factory)
        vplcRestarts = Counter(label: "agent_vplc_restarts_total", factory: factory)
        storeFailures = Counter(label: "agent_plugin_store_failures_total", factory: factory)
        codeTrims = Counter(label: "agent_code_trims_total", factory: factory)
    }

    /// Follows the agent's commands, transport states and local events for the life of the process.
    public func observe(_ services: AgentServices) {
        let core = services.coreTopics
        let registry = services.registry
        services.commands.observe { [self] record in
            let known =
                core.lookup(record.topic) != nil || registry.lookup(AGENT_PROTOCOL_TOPIC_HANDLER, name: record.topic) != nil
            self.command(record, known: known)
        }
        services.link.observe { [self] kind, _ in self.linkState(kind) }
        services.events.observe { [self] topic, _ in self.event(topic) }
    }

    /// Counts one answered command and records its latency.
    func command(_ record: CommandRecord, known: Bool) {
        let topic = known ? record.topic : Self.unknownTopic
        Counter(
            label: "agent_commands_total",
            dimensions: [("topic", topic), ("result", record.result), ("origin_kind", Self.originKind(record.origin))],
            factory: factory
        ).increment()
        Timer(label: Self.commandDuration, dimensions: [("topic", topic)], factory: factory)
            .recordSeconds(max(0, record.seconds))
    }

    /// A transport state report (`connected`, `disconnected`, `error`).
    func linkState(_ kind: String) {
        switch kind {
        case "connected":
            connected.record(1)
            if sawConnect.exchange(true, ordering: .relaxed) { reconnects.increment() }
        case "disconnected", "error":
            connected.record(0)
        default:
            break
        }
    }

    /// An emitted event; only the `local.` signals count here.
    func event(_ topic: String) {
        switch topic {
        case "local.heartbeat_failed": heartbeatFailures.increment()
        case "local.vplc_restarted": vplcRestarts.increment()
        case "local.store_failed": storeFailures.increment()
        case CodeTrim.event: codeTrims.increment()
        default: break
        }
    }

    static func originKind(_ origin: CommandOrigin) -> String {
        switch origin {
        case .cloud: "cloud"
        case .local: "local"
        case .cli: "cli"
        }
    }
}

import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The optional Prometheus endpoint of the daemon: ``AgentMetrics`` on a swift-prometheus
/// registry, served by ``MetricsHTTPServer`` (swift-nio, on the core's ``ServerEventLoops``)
/// while `features.metrics_endpoint` is on.
///
/// Metrics are recorded from ``install(_:loops:)`` on, whether or not the endpoint runs, so
/// turning it on later shows counts since the agent started. The toggle applies at once: every
/// config change (SIGHUP reload, ``ConfigSource/replace(_:)``) starts, moves or stops the server
/// before it returns. A change whose `metrics` section is invalid is logged and leaves the
/// endpoint as it was.
///
/// A `Service`: in the daemon's `ServiceGroup` it serves until graceful shutdown, then stops
/// for good. Thread-safe; ``stop()`` does the same for callers without a service group.
public final class MetricsEndpoint: Sendable {
    /// The registry behind the endpoint (tests may read it directly).
    public let registry: PrometheusCollectorRegistry
    /// The recorder fed by the agent's observers.
    public let metrics: AgentMetrics
    private let logger: Logger
    private let loops: ServerEventLoops
    private let state = Mutex<State>(State())

    private struct State {
        var settings: MetricsSettings?
        var server: MetricsHTTPServer?
        var stopped = false
    }

    /// Buckets of `agent_command_duration_seconds`: 1 ms … 30 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(30),
    ]

    private init(logger: Logger, loops: ServerEventLoops) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[AgentMetrics.commandDuration] = Self.durationBuckets
        self.registry = registry
        self.metrics = AgentMetrics(factory: factory)
        self.logger = logger
        self.loops = loops
    }

    /// Starts recording the agent's metrics, serves them now if the site config turns the
    /// endpoint on, and follows config changes. An endpoint that cannot listen (port taken) is
    /// logged as an error and the agent runs on without it; the next config change tries again.
    /// Binds before it returns (call it off the event loops).
    /// - Parameter loops: the event loops to serve on (the daemon's own; NIO's shared group
    ///   by default).
    /// - Throws: ``AgentCoreError`` `config_invalid` when the `metrics` section is invalid (also
    ///   while the feature is off).
    public static func install(_ agent: Agent, loops: ServerEventLoops = .shared) throws(AgentCoreError) -> MetricsEndpoint {
        let services = agent.services
        let wanted = try MetricsSettings.wanted(in: services.config.config)
        let endpoint = MetricsEndpoint(logger: services.logger, loops: loops)
        endpoint.metrics.observe(services)
        endpoint.apply(wanted)
        let source = services.config
        source.onChange { [weak endpoint, weak source] _ in
            if let endpoint, let source { endpoint.follow(source) }
        }
        return endpoint
    }

    /// The port the endpoint listens on, or nil while it is off.
    public var boundPort: UInt16? { state.withLock { $0.server?.port } }

    /// The current exposition text (what `GET /metrics` answers).
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    /// Stops the endpoint for good (later config changes do not restart it); the port is free
    /// when it returns.
    public func stop() { retire()?.stop() }

    /// Marks the endpoint stopped; the server to close, if one ran.
    private func retire() -> MetricsHTTPServer? {
        state.withLock { s in
            s.stopped = true
            defer { s.server = nil; s.settings = nil }
            return s.server
        }
    }

    /// Applies the config in force now (its latest version, whatever change triggered the call).
    private func follow(_ source: ConfigSource) {
        do throws(AgentCoreError) {
            apply(try MetricsSettings.wanted(in: source.config))
        } catch {
            logger.error("metrics endpoint unchanged: \(error)")
        }
    }

    /// Starts, moves or stops the server to match `wanted` (nil: off).
    private func apply(_ wanted: MetricsSettings?) {
        let registry = self.registry
        let loops = self.loops
        let result: Result<(old: MetricsHTTPServer?, new: MetricsHTTPServer?), AgentCoreError> = state.withLock { s in
            guard !s.stopped, s.settings != wanted else { return .success((nil, nil)) }
            let old = s.server
            old?.stop()  // closed when it returns: the same port can be bound again at once
            s.server = nil
            s.settings = nil
            guard let wanted else { return .success((old, nil)) }
            do throws(AgentCoreError) {
                let server = try MetricsHTTPServer.start(loops: loops, address: wanted.address, port: wanted.port) {
                    var buffer: [UInt8] = []
                    registry.emit(into: &buffer)
                    return buffer
                }
                s.server = server
                s.settings = wanted
                return .success((old, server))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success((let old, let new)):
            if let new {
                logger.notice("metrics endpoint listening", metadata: ["address": "\(wanted?.address ?? "")", "port": "\(new.port)"])
            } else if old != nil {
                logger.notice("metrics endpoint stopped")
            }
        case .failure(let error):
            logger.error("metrics endpoint not started: \(error)")
        }
    }
}

extension MetricsEndpoint: Service {
    /// Serves (following config changes) until graceful shutdown or cancellation, then stops
    /// for good.
    public func run() async throws {
        // harmless: shut down gracefully or cancelled, the endpoint stops either way
        try? await gracefulShutdown()
        await retire()?.stopped()
    }
}

import AgentJSON

/// What a plugin implements to be the agent's container engine (`agent.container_driver`).
///
/// The SDK turns it into an `agent_container_driver_v1` vtable registered under the plugin id.
/// Methods are versioned JSON operations (`"container.create"`, …; catalogue in docs/plugins.md).
public protocol ContainerDriverProvider: Sendable {
    /// Runs one method. Honour task cancellation: the caller's `cancel` cancels this task.
    /// - Throws: ``PluginError`` with a stable code (e.g. `engine_not_found`, `engine_conflict`).
    func invoke(method: String, params: JSONObject) async throws(PluginError) -> JSONValue

    /// Starts an engine event stream matching `filter`. `onEvent(kind, payload)` may be called
    /// from any thread until ``EventSubscription/cancel()`` returns; never after.
    /// Stream state changes are reported as kinds `"stream.open"` / `"stream.lost"`.
    func subscribe(filter: JSONObject, onEvent: @escaping @Sendable (String, JSONObject) -> Void) throws(PluginError)
        -> EventSubscription
}

/// A running event stream; ``cancel()`` stops it and waits until no callback runs any more.
public final class EventSubscription: Sendable {
    private let stop: @Sendable () -> Void

    /// - Parameter cancel: stops the stream; must return only after the last callback returned.
    public init(cancel: @escaping @Sendable () -> Void) { self.stop = cancel }

    /// Stops the stream (idempotent when `cancel` is).
    public func cancel() { stop() }
}

import Synchronization
import AgentJSON

extension TestHost {
    /// Every event plugins emitted, in order.
    public var events: [EmittedEvent] { state.state.withLock { $0.events } }

    /// The events emitted on `topic`, in order.
    public func events(_ topic: String) -> [EmittedEvent] { events.filter { $0.topic == topic } }

    /// Every line plugins logged, in order.
    public var logs: [LoggedLine] { state.state.withLock { $0.logs } }

    /// Waits until an event on `topic` whose payload satisfies `matching` has been emitted (also
    /// one emitted before the call), polling every millisecond of real time.
    /// - Throws: ``TestKitError`` `deadline_exceeded` naming the topic and what was emitted.
    @discardableResult
    public func event(
        _ topic: String, within deadline: Duration = .seconds(30), matching: (JSONObject) -> Bool = { _ in true }
    ) async throws -> EmittedEvent {
        try await awaitEffect("an event '\(topic)'", within: deadline) {
            events(topic).first { matching($0.payload) }
        }
    }

    /// Waits until `probe` returns a value (an effect of background work: an event, a store
    /// entry, a fake's state), or fails after `deadline` with `what` in the message.
    public func awaitEffect<T>(_ what: String, within deadline: Duration = .seconds(30), _ probe: () async throws -> T?)
        async throws -> T
    {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while true {
            if let value = try await probe() { return value }
            guard clock.now < end else {
                let seen = events.map(\.topic).suffix(10).joined(separator: ", ")
                throw TestKitError(.deadlineExceeded, "\(what) did not happen within \(deadline) (last events: \(seen))")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

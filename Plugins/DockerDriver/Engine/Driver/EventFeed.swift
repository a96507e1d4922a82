import AgentJSON
import ContainerEngineSupport

/// A reconnecting engine event subscription (the driver's `subscribe`).
///
/// It delivers `onEvent(kind, payload)`: engine events as ``DockerEvent``s, and the stream's
/// state as `stream.open {}` (each time the stream (re)opens) and `stream.lost {error, code}`
/// (when an open stream breaks, or the first attempt fails) so the consumer knows events may have
/// been missed. After a failure it retries after 1 s, doubling up to 10 s; a successful open
/// resets the delay. Callbacks are serialized and never run after ``cancel()`` returned.
public final class EventFeed: Sendable {
    /// Retry delays.
    public struct Backoff: Sendable {
        public var initial: Duration
        public var maximum: Duration
        public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(10)) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    private let gate = CallbackGate()
    private let task: Task<Void, Never>

    /// Starts the subscription at once (in its own task).
    /// - Parameters:
    ///   - openTimeout: for each connection attempt until the engine answers.
    ///   - onEvent: may be called from any thread, one call at a time.
    public init(
        engine: DockerEngine, filter: EventFilter, backoff: Backoff = Backoff(), openTimeout: Duration = .seconds(10),
        onEvent: @escaping @Sendable (String, JSONObject) -> Void
    ) {
        let gate = self.gate
        task = Task {
            await Self.run(engine: engine, filter: filter, backoff: backoff, openTimeout: openTimeout) { kind, payload in
                gate.deliver { onEvent(kind, payload) }
            }
        }
    }

    /// Stops the subscription; once it returns no callback runs (safe to call from a callback,
    /// and more than once).
    public func cancel() {
        gate.close()
        task.cancel()
    }

    deinit { cancel() }

    private static func run(
        engine: DockerEngine, filter: EventFilter, backoff: Backoff, openTimeout: Duration,
        emit: @Sendable (String, JSONObject) -> Void
    ) async {
        var delay = backoff.initial
        var reportedLost = false
        while !Task.isCancelled {
            var failure: DockerEngineError
            do throws(DockerEngineError) {
                let stream = try await engine.events(filter, timeout: openTimeout)
                emit("stream.open", [:])
                reportedLost = false
                delay = backoff.initial
                for try await event in stream { emit(event.kind, event.payload) }
                failure = DockerEngineError(.engineUnreachable, "the engine ended the event stream")
            } catch {
                failure = error
            }
            if Task.isCancelled || failure.code == .cancelled { return }
            if !reportedLost {
                emit("stream.lost", ["error": .string(failure.message), "code": .string(failure.code.rawValue)])
                reportedLost = true
            }
            try? await Task.sleep(for: delay)  // harmless: cancellation is checked at the top of the loop
            delay = min(delay * 2, backoff.maximum)
        }
    }
}

import AgentJSON
import ContainerEngineSupport

/// A reconnecting event subscription (the driver's `subscribe`), with the protocol's
/// guarantees: `stream.open {}` each time the stream opens, `stream.lost {error, code}` once
/// per outage, retries after 1 s doubling up to 10 s, callbacks serialized and never run after
/// ``cancel()`` returned.
public final class EventFeed: Sendable {
    private let gate = CallbackGate()
    private let task: Task<Void, Never>

    /// Starts the subscription at once (in its own task).
    /// - Parameters:
    ///   - filter: the events endpoint's filter object (`{type?, label?}` lists).
    ///   - actions: the actions delivered (the part before a colon; empty: all).
    ///   - onEvent: may be called from any thread, one call at a time.
    public init(
        engine: PodmanEngine, filter: JSONObject, actions: Set<String> = [], initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(10),
        openTimeout: Duration = .seconds(10), onEvent: @escaping @Sendable (String, JSONObject) -> Void
    ) {
        let gate = self.gate
        task = Task {
            var delay = initialDelay
            var reportedLost = false
            while !Task.isCancelled {
                var failure: PodmanEngineError
                do throws(PodmanEngineError) {
                    let stream = try await engine.events(filter, timeout: openTimeout)
                    gate.deliver { onEvent("stream.open", [:]) }
                    reportedLost = false
                    delay = initialDelay
                    for try await event in stream where actions.isEmpty || actions.contains(event.verb) {
                        gate.deliver { onEvent(event.kind, event.payload) }
                    }
                    failure = PodmanEngineError(.engineUnreachable, "the Podman service ended the event stream")
                } catch {
                    failure = error
                }
                if Task.isCancelled || failure.code == .cancelled { return }
                if !reportedLost {
                    let lost: JSONObject = ["error": .string(failure.message), "code": .string(failure.code.rawValue)]
                    gate.deliver { onEvent("stream.lost", lost) }
                    reportedLost = true
                }
                try? await Task.sleep(for: delay)  // harmless: cancellation is checked at the top of the loop
                delay = min(delay * 2, maximumDelay)
            }
        }
    }

    /// Stops the subscription; once it returns no callback runs (safe from a callback).
    public func cancel() {
        gate.close()
        task.cancel()
    }

    deinit { cancel() }
}

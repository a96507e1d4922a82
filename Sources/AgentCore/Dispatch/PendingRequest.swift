import CAgentABI
import Synchronization

/// One request in flight to a topic handler: resolved exactly once, by whichever comes first —
/// the plugin's completion, the timeout, or the caller's cancellation. A completion that arrives
/// after a timeout is released and ignored.
final class PendingRequest: Sendable {
    enum Outcome: Sendable {
        case completed(status: Int32, body: [UInt8])
        case timedOut
        case cancelled
    }

    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        var outcome: Outcome?
        var resumed = false
    }

    private let state = Mutex(State())
    /// Called when an outcome arrives after the request was already resolved (a completion
    /// after the timeout or the caller's cancellation).
    private let onLate: @Sendable () -> Void

    init(onLate: @escaping @Sendable () -> Void = {}) { self.onLate = onLate }

    /// Resolves the request; returns false when it was already resolved (the outcome is dropped).
    @discardableResult
    func resolve(_ outcome: Outcome) -> Bool {
        let (first, cont): (Bool, CheckedContinuation<Outcome, Never>?) = state.withLock { s in
            guard s.outcome == nil else { return (false, nil) }
            s.outcome = outcome
            guard let c = s.continuation, !s.resumed else { return (true, nil) }
            s.resumed = true
            return (true, c)
        }
        cont?.resume(returning: outcome)
        if !first, case .completed = outcome { onLate() }
        return first
    }

    /// Installs the waiter; resumes it at once if the outcome is already known.
    func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready: Outcome? = state.withLock { s in
            if let o = s.outcome, !s.resumed {
                s.resumed = true
                return o
            }
            s.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }
}

/// The host's completion function for topic requests. `ctx` is a retained PendingRequest,
/// balanced here (the ABI guarantees exactly one call after an accepted `handle`).
let hostRequestDone: @convention(c) (UnsafeMutableRawPointer?, Int32, agent_owned_bytes) -> Void = { ctx, status, body in
    let bytes = HostBytes.take(body)
    guard let ctx else { return }
    let request = Unmanaged<PendingRequest>.fromOpaque(ctx).takeRetainedValue()
    request.resolve(.completed(status: status, body: bytes))
}

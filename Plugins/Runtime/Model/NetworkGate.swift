import Synchronization

/// One change of the engine's networks at a time, across devices: making a network and
/// attaching the first container to it (create, re-attach) is one step for every other
/// create, rollback or delete, which could otherwise make the same MACVLAN network twice (on
/// Docker 20.10 the loser fails in more ways than a name conflict), or remove a network as
/// "unused" between its creation and the container that was about to use it.
///
/// A FIFO async mutex: waiters are served in arrival order. Not reentrant — code holding the
/// gate must not call anything that takes it again.
public final class NetworkGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// How many callers wait for the gate now (diagnostics and tests).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Runs `body` holding the gate; releases it when `body` returns or throws.
    public func run<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiters.isEmpty else {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

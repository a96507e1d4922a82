import NIOCore
import Synchronization

/// The door's open connections and the requests they have in flight: admission up to a limit,
/// and, at the door's close, every connection closed and every request cancelled and awaited (its
/// answer hops back to the event loop, which must outlive it).
final class DoorConnections: Sendable {
    private struct State {
        var stopped = false
        var live: [ObjectIdentifier: any Channel] = [:]
        var requests: [UInt64: Task<Void, Never>] = [:]
        var nextRequest: UInt64 = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = limit }

    /// Admits `channel` unless the door is closed or full; an admitted one leaves the set when it
    /// closes.
    func admit(_ channel: any Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let admitted = state.withLock { s -> Bool in
            guard !s.stopped, s.live.count < limit else { return false }
            s.live[key] = channel
            return true
        }
        if admitted { channel.closeFuture.whenComplete { [self] _ in _ = state.withLock { $0.live.removeValue(forKey: key) } } }
        return admitted
    }

    /// Runs one request's work as a task the door's close can cancel and wait for.
    func run(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { s in
            let id = s.nextRequest
            s.nextRequest += 1
            s.requests[id] = Task { [self] in
                await work()
                _ = state.withLock { $0.requests.removeValue(forKey: id) }
            }
        }
    }

    /// Closes the door to new connections and cancels the requests in flight.
    /// - Returns: the open connections and the cancelled requests, or nil when it was closed already.
    func stop() -> (channels: [any Channel], requests: [Task<Void, Never>])? {
        let stopped = state.withLock { s -> ([any Channel], [Task<Void, Never>])? in
            guard !s.stopped else { return nil }
            s.stopped = true
            return (Array(s.live.values), Array(s.requests.values))
        }
        for request in stopped?.1 ?? [] { request.cancel() }
        return stopped
    }
}

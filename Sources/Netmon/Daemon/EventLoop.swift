#if canImport(Glibc)
import Glibc
#endif
import CNetlink
import NetmonCore
import Synchronization

/// The sidecar's one poll(2) loop: file descriptors, timers, and closures posted from other
/// threads (woken through an eventfd).
///
/// Everything except ``post(_:)`` must be called on the loop thread. Handlers run on it and must
/// not block.
final class EventLoop: @unchecked Sendable {
    typealias Handler = (_ revents: Int16) -> Void

    private struct Registration {
        var events: Int16
        var generation: UInt64
        var handler: Handler
    }

    private var registrations: [Int32: Registration] = [:]
    private var generation: UInt64 = 0
    /// Timers on the loop's clock.
    let timers: LoopTimers
    private var running = false
    private let wakeFd: Int32
    private let posted = Mutex<[@Sendable () -> Void]>([])

    /// A loop whose timers run on `nowMs` (milliseconds of a monotonic clock).
    init(nowMs: @escaping () -> Int64 = Clock.monotonicMs) throws(StartupError) {
        timers = LoopTimers(nowMs: nowMs)
        let fd = cnl_eventfd()
        guard fd >= 0 else { throw StartupError("eventfd: \(errnoText(fd))") }
        wakeFd = fd
        register(fd, events: Int16(POLLIN)) { [unowned self] _ in self.runPosted() }
    }

    // MARK: descriptors

    /// Watches `fd` for `events`, replacing any earlier registration of the same fd.
    func register(_ fd: Int32, events: Int16, handler: @escaping Handler) {
        generation += 1
        registrations[fd] = Registration(events: events, generation: generation, handler: handler)
    }

    /// Changes the events watched on a registered fd.
    func update(_ fd: Int32, events: Int16) {
        registrations[fd]?.events = events
    }

    /// Stops watching `fd` (call before closing it).
    func unregister(_ fd: Int32) {
        registrations[fd] = nil
    }

    // MARK: timers

    /// Now in ms of the loop's clock (the timeline of ``schedule(at:_:)``).
    var nowMs: Int64 { timers.nowMs }

    /// Runs `body` on the loop at `deadline` (ms of ``nowMs``). Returns an id for ``cancel(_:)``.
    @discardableResult
    func schedule(at deadline: Int64, _ body: @escaping () -> Void) -> UInt64 {
        timers.schedule(atMs: deadline, body)
    }

    /// Runs `body` after `ms` milliseconds.
    @discardableResult
    func schedule(afterMs ms: Int64, _ body: @escaping () -> Void) -> UInt64 {
        timers.schedule(afterMs: ms, body)
    }

    func cancel(_ id: UInt64?) { timers.cancel(id) }

    // MARK: cross-thread

    /// Runs `body` on the loop thread soon. Safe from any thread.
    func post(_ body: @escaping @Sendable () -> Void) {
        posted.withLock { $0.append(body) }
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
    }

    private func runPosted() {
        var count: UInt64 = 0
        _ = read(wakeFd, &count, 8)
        let bodies = posted.withLock { q -> [@Sendable () -> Void] in
            let b = q
            q.removeAll()
            return b
        }
        for b in bodies { b() }
    }

    // MARK: running

    /// Polls until ``stop()``.
    func run() {
        running = true
        var fds: [pollfd] = []
        var gens: [UInt64] = []
        while running {
            fds.removeAll(keepingCapacity: true)
            gens.removeAll(keepingCapacity: true)
            for (fd, r) in registrations where r.events != 0 {
                fds.append(pollfd(fd: fd, events: r.events, revents: 0))
                gens.append(r.generation)
            }
            let n = poll(&fds, nfds_t(fds.count), timers.pollTimeoutMs())
            if n < 0 && errno != EINTR {
                Log.error("poll: \(errnoText(errno))")
                return
            }
            if n > 0 {
                for (i, p) in fds.enumerated() where p.revents != 0 {
                    // Skip a descriptor closed (and maybe reused) by an earlier handler of this round.
                    guard let r = registrations[p.fd], r.generation == gens[i] else { continue }
                    r.handler(p.revents)
                    if !running { return }
                }
            }
            timers.runDue()
        }
    }

    func stop() { running = false }
}

/// A failure while starting up (the daemon logs it and exits 1).
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

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

    private struct Timer {
        let id: UInt64
        let deadline: Int64
        let body: () -> Void
    }

    private var registrations: [Int32: Registration] = [:]
    private var generation: UInt64 = 0
    private var timers: [Timer] = []
    private var nextTimerID: UInt64 = 0
    private var running = false
    private let wakeFd: Int32
    private let posted = Mutex<[@Sendable () -> Void]>([])

    init() throws(StartupError) {
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

    /// Runs `body` on the loop at monotonic time `deadline` (ms). Returns an id for ``cancel(_:)``.
    @discardableResult
    func schedule(at deadline: Int64, _ body: @escaping () -> Void) -> UInt64 {
        nextTimerID += 1
        timers.append(Timer(id: nextTimerID, deadline: deadline, body: body))
        return nextTimerID
    }

    /// Runs `body` after `ms` milliseconds.
    @discardableResult
    func schedule(afterMs ms: Int64, _ body: @escaping () -> Void) -> UInt64 {
        schedule(at: Clock.monotonicMs() + ms, body)
    }

    func cancel(_ id: UInt64?) {
        guard let id else { return }
        timers.removeAll { $0.id == id }
    }

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
            var timeout: Int32 = -1
            if let next = timers.map(\.deadline).min() {
                timeout = Int32(clamping: max(0, next - Clock.monotonicMs()))
            }
            let n = poll(&fds, nfds_t(fds.count), timeout)
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
            runDueTimers()
        }
    }

    private func runDueTimers() {
        let now = Clock.monotonicMs()
        let lastID = nextTimerID
        // One at a time: a timer body may cancel others or add new ones (those wait for the next round).
        while let i = timers.indices.filter({ timers[$0].deadline <= now && timers[$0].id <= lastID })
            .min(by: { timers[$0].deadline < timers[$1].deadline })
        {
            let t = timers.remove(at: i)
            t.body()
        }
    }

    func stop() { running = false }
}

/// A failure while starting up (the daemon logs it and exits 1).
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

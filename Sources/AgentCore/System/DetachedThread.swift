#if canImport(Glibc)
import Glibc
#endif

/// Work on a plain thread of its own, outside Swift's concurrency pool (what Foundation's
/// `Thread` gave, without Foundation): for work that blocks — a plugin's shutdown, socket waits,
/// `dlopen` — and must not hold one of the pool's few threads.
public enum DetachedThread {
    /// Runs `body` on a new detached thread (the system's default stack size). When no thread
    /// can be started (`EAGAIN`), `body` runs on the calling thread instead: it still runs.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, job)
        if started == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Job>.fromOpaque(job).takeRetainedValue().body()
        }
    }

    /// The closure handed to the new thread.
    private final class Job: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A task executor with one dedicated thread: tasks that prefer it run there, never on the
/// cooperative pool. ``ClockScheduler`` runs its loop and its actions here so that timeouts
/// still fire while every pool thread is blocked (a plugin handler that blocks, a busy machine).
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `stopped` are touched only with `mutex` locked; the pthread
    // primitives are set up once in init and live as long as the executor.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []
    private var stopped = false

    /// Starts the thread.
    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let executor = Unmanaged<ThreadExecutor>.fromOpaque(raw).takeRetainedValue()
            executor.run()
            return nil
        }, box)
        // Without its thread no timeout would ever fire: that is not a state to run in.
        precondition(started == 0, "cannot start the scheduler thread (pthread_create: \(started))")
        pthread_detach(thread)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(unowned)
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Lets the thread end once its queue is empty.
    func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopped { pthread_cond_wait(cond, mutex) }
            if jobs.isEmpty && stopped {
                pthread_mutex_unlock(mutex)
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(mutex)
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

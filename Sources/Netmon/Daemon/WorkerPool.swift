#if canImport(Glibc)
import Glibc
#endif

/// A few plain threads for work that may block (netlink inside a container's namespace, waiting
/// for a kernel ack), so the poll loop never does. Threads start on demand up to ``maxThreads``
/// and exit after ``idleSeconds`` without work, so an idle sidecar has only its loop thread.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    let maxThreads: Int
    let idleSeconds: Int
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [Job] = []
    private var threads = 0
    private var idle = 0
    /// Idle threads already woken for a job (so a second job does not count on the same one).
    private var woken = 0

    init(maxThreads: Int = 4, idleSeconds: Int = 10) {
        self.maxThreads = maxThreads
        self.idleSeconds = idleSeconds
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    /// Threads alive now (for get_status).
    var threadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threads
    }

    /// Runs `job` on a worker thread. Safe from any thread.
    func submit(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        var spawn = false
        if idle > woken {
            woken += 1
            pthread_cond_signal(cond)
        } else if threads < maxThreads {
            threads += 1
            spawn = true
        }
        pthread_mutex_unlock(mutex)
        if spawn { startThread() }
    }

    private func startThread() {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 512 * 1024)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            let pool = Unmanaged<WorkerPool>.fromOpaque(arg!).takeRetainedValue()
            pool.work()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            Unmanaged<WorkerPool>.fromOpaque(box).release()
            Log.error("pthread_create: \(errnoText(rc)); running the job inline")
            pthread_mutex_lock(mutex)
            threads -= 1
            let job = jobs.isEmpty ? nil : jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job?()
        }
    }

    private func work() {
        pthread_mutex_lock(mutex)
        while true {
            if !jobs.isEmpty {
                let job = jobs.removeFirst()
                pthread_mutex_unlock(mutex)
                job()
                pthread_mutex_lock(mutex)
                continue
            }
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            deadline.tv_sec += idleSeconds
            idle += 1
            let rc = pthread_cond_timedwait(cond, mutex, &deadline)
            idle -= 1
            if woken > 0 { woken -= 1 }
            if rc == ETIMEDOUT && jobs.isEmpty {
                threads -= 1
                pthread_mutex_unlock(mutex)
                return
            }
        }
    }
}

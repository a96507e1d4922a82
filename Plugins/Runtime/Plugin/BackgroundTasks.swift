import Synchronization

/// The plugin's long-running tasks (recovery, lifecycle, usage sampling, netmon events, the
/// upgrade report): registered as they start, all cancelled and awaited at shutdown.
final class BackgroundTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Registers `task` for ``cancelAll()``.
    func add(_ task: Task<Void, Never>) { tasks.withLock { $0.append(task) } }

    /// Runs `body` on the registered tasks under the lock (the plugin's entry registers its
    /// recovery task this way).
    func withLock<R: Sendable>(_ body: (inout [Task<Void, Never>]) -> R) -> R {
        tasks.withLock { body(&$0) }
    }

    /// Cancels every registered task, then waits for each to end; the list is then empty.
    func cancelAll() async {
        let all = tasks.withLock { t in
            let all = t
            t.removeAll()
            return all
        }
        for t in all { t.cancel() }
        for t in all { await t.value }
    }
}

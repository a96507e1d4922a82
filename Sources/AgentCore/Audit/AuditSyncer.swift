import AgentClock
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Makes appended audit lines durable: either at once (`window` 0: `fdatasync` before the append
/// returns) or within `window` on the injected clock (group commit: the first append after a sync
/// schedules one `fdatasync` of the log `window` later, which covers every line written until
/// then). Lines are always written with `O_APPEND` before the append returns, so a process crash
/// never loses one; with a window, a power cut can lose the lines of the last `window`.
final class AuditSyncer: Sendable {
    /// 0 = sync every line before the append returns.
    let window: Duration
    private let path: String
    private let scheduled = Atomic<Bool>(false)
    private let timer: ClockScheduler
    private let groupSyncs = Atomic<Int>(0)

    init(path: String, window: Duration, clock: any AgentClock) {
        self.path = path
        self.window = window
        self.timer = ClockScheduler(clock: clock)
    }

    /// Group commits done so far (for diagnostics and tests).
    var groupCommits: Int { groupSyncs.load(ordering: .acquiring) }

    /// Called with the descriptor of the file the line was just written to.
    /// - Returns: false when an immediate sync failed.
    func written(fd: Int32) -> Bool {
        guard window > .zero else { return fdatasync(fd) == 0 }
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        timer.arm(id: 1, after: window) { [self] in
            // Reset first: a line written after this point schedules the next sync.
            scheduled.store(false, ordering: .sequentiallyConsistent)
            syncNow()
            groupSyncs.add(1, ordering: .releasing)
        }
        return true
    }

    /// Syncs the current log now (also before a rotation renames it away).
    func syncNow() {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fdatasync(fd)
        close(fd)
    }
}

import AgentClock
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Makes appended audit lines durable. A line is always written with `O_APPEND` before the append
/// returns, so a process crash never loses one. Then:
///
/// - a command that changes something (`window` 0, the default) is synced (`fdatasync`) before
///   the append returns, which also makes every earlier line durable;
/// - a read-only command (its contract says `read_only`) is synced in the next group: the first
///   such line after a sync schedules one `fdatasync` ``readOnlyWindow`` later on the injected
///   clock, covering every line written until then;
/// - with a `window` > 0 (`audit.sync_window_ms`, for slow disks) every line is synced in groups
///   within that window.
///
/// A power cut can lose the lines of the last group: read-only commands only, unless a window is
/// set (docs/security.md).
final class AuditSyncer: Sendable {
    /// 0 = sync the line of every command that changes something before the append returns.
    let window: Duration
    /// How long a read-only command's line may wait for its group's sync (with `window` 0).
    static let readOnlyWindow: Duration = .milliseconds(50)
    private let path: String
    private let scheduled = Atomic<Bool>(false)
    private let timer: ClockScheduler
    private let groupSyncs = Atomic<Int>(0)
    private let lineSyncs = Atomic<Int>(0)
    /// Whether the timer runs on a shared executor (the daemon's event loop), where the sync
    /// must not block: then it runs as a task of the pool instead.
    private let offload: Bool

    /// - Parameter timerExecutor: where the group commit's timer runs (``ClockScheduler``); nil
    ///   gives it a thread of its own, on which the sync itself runs too.
    init(path: String, window: Duration, clock: any AgentClock, timerExecutor: (any TaskExecutor)? = nil) {
        self.path = path
        self.window = window
        self.timer = ClockScheduler(clock: clock, executor: timerExecutor)
        self.offload = timerExecutor != nil
    }

    /// Group commits done so far (for diagnostics and tests).
    var groupCommits: Int { groupSyncs.load(ordering: .acquiring) }

    /// Syncs done before an append returned (for diagnostics and tests).
    var immediateSyncs: Int { lineSyncs.load(ordering: .acquiring) }

    /// Called with the descriptor of the file the line was just written to.
    /// - Returns: false when an immediate sync failed.
    func written(fd: Int32, readOnly: Bool = false) -> Bool {
        if window == .zero && !readOnly {
            lineSyncs.add(1, ordering: .releasing)
            return fdatasync(fd) == 0
        }
        guard !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        timer.arm(id: 1, after: window > .zero ? window : Self.readOnlyWindow) { [self] in
            // Reset first: a line written after this point schedules the next sync.
            scheduled.store(false, ordering: .sequentiallyConsistent)
            guard offload else { return groupSync() }
            Task { groupSync() }
        }
        return true
    }

    private func groupSync() {
        syncNow()
        groupSyncs.add(1, ordering: .releasing)
    }

    /// Syncs the current log now (also before a rotation renames it away).
    func syncNow() {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fdatasync(fd)
        close(fd)
    }
}

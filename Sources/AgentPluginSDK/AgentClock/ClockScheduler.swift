import Synchronization

/// Runs actions at deadlines on an injected ``AgentClock``: per-request timeouts, debounce and
/// group-commit timers.
///
/// One loop task serves every deadline. Arming a deadline that is not earlier than the earliest
/// armed one is a lock and a heap push, with no wake-up (the common case: equal per-topic
/// timeouts arrive in deadline order); disarming removes the action at once (its heap entry is
/// dropped lazily; the heap is rebuilt when most of it is stale).
///
/// No wake-up can be lost: the loop decides what to sleep on and records that sleep under the
/// same lock `arm` takes. An `arm` that becomes the earliest deadline either comes before that
/// decision (and is part of it) or after it (and cancels the recorded sleep, so the loop decides
/// again).
///
/// The loop and the actions run on the scheduler's own thread (a ``ThreadExecutor``), or on an
/// executor the caller gives that is just as independent of the cooperative pool (the agent
/// gives its event loop, so that its schedulers need no thread of their own), never on the pool:
/// a timeout fires even while every pool thread is blocked. Actions must be short (resolve a
/// request, start a task) and must not block.
public final class ClockScheduler: Sendable {
    private struct State {
        var heap = DeadlineHeap()
        /// Each armed id's deadline and action (a heap entry fires only when its deadline is
        /// the id's current one: re-arming leaves the old entry behind, stale).
        var actions: [UInt64: (deadline: ClockInstant, run: @Sendable () -> Void)] = [:]
        /// The sleep the loop is in (or about to start), and its deadline.
        var sleep: (deadline: ClockInstant, task: Task<Void, any Error>)?
        var stopped = false
    }

    private enum Step {
        case run([@Sendable () -> Void])
        case wait(Task<Void, any Error>)
        case stop
    }

    /// Shared with the loop task, which must not keep the scheduler itself alive.
    private final class Core: Sendable {
        let clock: any AgentClock
        let state = Mutex(State())
        let executor: any TaskExecutor
        /// The scheduler's own thread, when no executor was given (stopped with the loop).
        let ownThread: ThreadExecutor?
        init(clock: any AgentClock, executor: (any TaskExecutor)?) {
            self.clock = clock
            if let executor {
                self.executor = executor
                ownThread = nil
            } else {
                let own = ThreadExecutor()
                self.executor = own
                ownThread = own
            }
        }
    }

    private let core: Core
    private let loop: Task<Void, Never>
    private var clock: any AgentClock { core.clock }

    /// A scheduler on `clock`; its loop runs until ``shutdown()`` (or the scheduler is released).
    /// - Parameter executor: where the loop and the actions run: an executor whose jobs run even
    ///   while the cooperative pool is blocked (a dedicated thread, an event loop), shared with
    ///   other work as the caller likes; nil starts a thread of the scheduler's own.
    public init(clock: any AgentClock, executor: (any TaskExecutor)? = nil) {
        let core = Core(clock: clock, executor: executor)
        self.core = core
        loop = Task(executorPreference: core.executor) { await Self.run(core) }
    }

    deinit { shutdownNow() }

    /// Runs `action` once `after` has passed on the clock, unless ``disarm(id:)`` comes first.
    /// Arming an `id` again replaces its action and deadline.
    public func arm(id: UInt64, after: Duration, _ action: @escaping @Sendable () -> Void) {
        let deadline = clock.now + after
        let stale = core.state.withLock { s -> Task<Void, any Error>? in
            guard !s.stopped else { return nil }
            s.actions[id] = (deadline, action)
            s.heap.push(deadline: deadline, id: id)
            guard let current = s.sleep, deadline < current.deadline else { return nil }
            s.sleep = nil
            return current.task
        }
        stale?.cancel()  // the loop wakes and decides again
    }

    /// Forgets the deadline of `id`: its action will not run.
    public func disarm(id: UInt64) {
        core.state.withLock { s in
            s.actions[id] = nil
            if s.heap.count > 64, s.heap.count > 4 * s.actions.count {
                let live = s.actions
                s.heap.removeAll { live[$0] == nil }
            }
        }
    }

    /// The number of armed deadlines (for diagnostics and tests).
    public var armedCount: Int { core.state.withLock { $0.actions.count } }

    /// Stops the loop and forgets every armed action; waits until the loop has ended.
    public func shutdown() async {
        shutdownNow()
        await loop.value
    }

    private func shutdownNow() {
        let sleeping = core.state.withLock { s -> Task<Void, any Error>? in
            s.stopped = true
            s.actions.removeAll()
            defer { s.sleep = nil }
            return s.sleep?.task
        }
        sleeping?.cancel()
    }

    private static func run(_ core: Core) async {
        let clock = core.clock
        while true {
            let step = core.state.withLock { s -> Step in
                if s.stopped { return .stop }
                let now = clock.now
                var due: [@Sendable () -> Void] = []
                while let top = s.heap.first, top.deadline <= now {
                    s.heap.popFirst()
                    guard let armed = s.actions[top.id], armed.deadline == top.deadline else { continue }
                    s.actions[top.id] = nil
                    due.append(armed.run)
                }
                if !due.isEmpty { return .run(due) }
                let deadline = s.heap.first?.deadline ?? .distantFuture
                let task = Task(executorPreference: core.executor) { try await clock.sleep(until: deadline) }
                s.sleep = (deadline, task)
                return .wait(task)
            }
            switch step {
            case .stop:
                core.ownThread?.stop()
                return
            case .run(let due): for action in due { action() }
            case .wait(let task): _ = await task.result  // ended by its deadline or by an earlier arm
            }
        }
    }
}

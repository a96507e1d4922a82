import AgentClock
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// systemd's watchdog (`WatchdogSec=`): `WATCHDOG=1` every half period, and only while the
/// daemon's machinery turns. Each tick, this service (a task of the daemon's `ServiceGroup`, on the
/// Swift concurrency pool the dispatcher runs on) checks that the core's event loop — the one the
/// local door and the metrics endpoint serve on — ran the task it was handed at the previous
/// tick, sends the ping if so, and hands it the next one. A loop that is stuck (a blocking call
/// on it) or a starved pool means no pings, and systemd restarts the agent when the period ends.
///
/// Put it first in the group: services stop in reverse order, so it pings until the others have
/// stopped.
public struct SystemdWatchdog: Service {
    let notifier: ServiceNotifier
    let tick: Duration
    let loop: any EventLoop
    let clock: any AgentClock
    let logger: Logger

    /// A watchdog for the period systemd gave (`WATCHDOG_USEC`, see
    /// ``ServiceNotifier/watchdogInterval``), pinging every half `period`, proving alive the loop
    /// of `loops` that the door and the metrics endpoint serve on (the daemon's group has one).
    public init(notifier: ServiceNotifier, period: Duration, loops: ServerEventLoops, clock: any AgentClock, logger: Logger) {
        self.init(notifier: notifier, period: period, loop: loops.group.next(), clock: clock, logger: logger)
    }

    /// The same on one event loop (tests hand theirs).
    init(notifier: ServiceNotifier, period: Duration, loop: any EventLoop, clock: any AgentClock, logger: Logger) {
        self.notifier = notifier
        self.tick = period / 2
        self.loop = loop
        self.clock = clock
        self.logger = logger
    }

    /// Pings until cancelled or, in a `ServiceGroup`, until its graceful shutdown reaches it.
    public func run() async throws {
        let answer = LoopAnswer()
        answer.ask(loop)
        var missed = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let clock = self.clock, tick = self.tick
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: tick) } } catch { return }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            if answer.take() {
                if missed > 0 { logger.notice("the event loop answers again; watchdog pings resume") }
                missed = 0
                if let problem = notifier.send(["WATCHDOG=1"]) {
                    logger.warning("watchdog ping not sent to \(notifier.socketName): \(problem)")
                }
            } else {
                missed += 1
                if missed == 1 {
                    logger.error("the event loop did not run a task within \(tick); no watchdog ping (systemd restarts the agent if this lasts)")
                }
            }
            answer.ask(loop)
        }
    }
}

/// Whether the event loop ran the last task it was handed.
final class LoopAnswer: Sendable {
    private let ran = Atomic<Bool>(false)

    /// Hands `loop` a task that records that it ran.
    func ask(_ loop: any EventLoop) {
        loop.execute { self.ran.store(true, ordering: .releasing) }
    }

    /// True when the task ran since the last `take` (and forgets it).
    func take() -> Bool { ran.exchange(false, ordering: .acquiringAndReleasing) }
}

import NIOCore

/// A task executor on a swift-nio event loop: jobs run on the loop's thread. The daemon gives
/// it to the core's clock schedulers (dispatcher deadlines, audit group commits) so that they
/// run on the process's one event loop instead of threads of their own; like a scheduler's own
/// thread, the loop never waits for the cooperative pool. What runs here must not block.
public final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    public let loop: any EventLoop

    public init(_ loop: any EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

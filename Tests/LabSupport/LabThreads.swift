import Foundation
import Testing

/// A pool of plain threads that runs the bodies of tests which make blocking calls: a lab test
/// waits on outside processes (`waitpid`, a `CommandRunner` call, a synchronous start of the lab
/// cloud), and on the cooperative pool — two threads on a two-core machine — one such wait stalls
/// every other test of the run, including the in-process agents whose requests then time out.
/// With its body here, a blocking wait holds one of these threads only. The same holds for a test
/// that computes for seconds without suspending (the seeded fuzzing): on the pool it holds a
/// thread for its whole run — one such run made every other test of a one-pass run wait 44 s.
///
/// The product code under test still meets the cooperative pool wherever it creates its own tasks
/// without a preference; only the test's own task tree prefers this pool.
public final class LabThreadPool: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is touched only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// The pool every lab test shares (32 threads: far more than the tests that block at once).
    public static let shared = LabThreadPool(threads: 32)

    private init(threads: Int) {
        for i in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.name = "lab-thread-\(i)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.withLock {
            jobs.append(unowned)
            condition.signal()
        }
    }

    private func work() {
        while true {
            let job: UnownedJob = condition.withLock {
                while jobs.isEmpty { condition.wait() }
                return jobs.removeFirst()
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a test's (or every test of a suite's) body on ``LabThreadPool``: for tests that wait on
/// outside processes with blocking calls, or compute for seconds without suspending. ``Prerequisite`` (`.requires`) implies it, since every
/// test that needs an outside part waits on one.
///
///     @Suite("Cloud link", .labThreads)
public struct LabThreads: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(LabThreadPool.shared) { try await function() }
    }
}

extension Trait where Self == LabThreads {
    /// See ``LabThreads``.
    public static var labThreads: Self { LabThreads() }
}

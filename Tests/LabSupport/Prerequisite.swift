import Foundation
import Testing

/// A suite's or test's prerequisite (root, the Docker lab, built products). When it is missing the
/// test is cancelled with the reason (reported as skipped) on a developer's machine, and FAILS
/// with the reason in CI (`CI=true`): CI cannot tell a skipped proof from a passed one, so there a
/// missing prerequisite is an error. The test's body runs on ``LabThreadPool`` (see ``LabThreads``).
/// Use it instead of `.enabled(if:)`:
///
///     @Suite(.requires(DockerLab.isAvailable, "needs root and the Docker lab"))
public struct Prerequisite: SuiteTrait, TestTrait, TestScoping {
    let met: @Sendable () -> Bool
    let reason: String

    public var isRecursive: Bool { true }

    /// Whether this process runs in CI (`CI` is `true` or `1`).
    public static var inCI: Bool {
        let v = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return v == "true" || v == "1"
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Checked once per test (the suite's own scope only passes through).
        guard test.isSuite || met() else {
            if Self.inCI { throw Missing(reason: reason) }
            try Test.cancel("prerequisite missing: \(reason)")
        }
        // A test that needs an outside part waits on it with blocking calls: off the cooperative pool.
        try await withTaskExecutorPreference(LabThreadPool.shared) { try await function() }
    }

    /// The error a test fails with in CI when its prerequisite is missing.
    public struct Missing: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "prerequisite missing (CI=true makes this a failure, not a skip): \(reason)" }
    }
}

extension Trait where Self == Prerequisite {
    /// Runs the test only when `met` holds; otherwise skipped locally, failed in CI (see
    /// ``Prerequisite``).
    public static func requires(_ met: @autoclosure @escaping @Sendable () -> Bool, _ reason: String) -> Self {
        Prerequisite(met: met, reason: reason)
    }
}

import Foundation

/// Waits for an observable effect of another process or task: checks `condition` until it holds
/// or `timeout` (real time) has passed. This is the tests' one polling loop, and one of the few
/// sleeps the sleep audit allows (`Tests/AgentCoreTests/TestHygieneTests.swift`): the timeout
/// only bounds a failure; a passing test waits exactly as long as the effect takes.
/// - Returns: whether `condition` held in time.
public func eventually(
    timeout: Duration = .seconds(10), every poll: Duration = .milliseconds(10), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try? await clock.sleep(for: poll)  // sleep-audit: poll (the interval of eventually); harmless: cancellation ends the wait early
    }
}

/// ``eventually(timeout:every:_:)`` for synchronous callers (threads outside Swift concurrency).
public func eventuallySync(
    timeout: Duration = .seconds(10), every poll: Duration = .milliseconds(10), _ condition: () throws -> Bool
) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try condition() { return true }
        if clock.now >= deadline { return false }
        let (s, atto) = poll.components
        usleep(useconds_t(s * 1_000_000 + atto / 1_000_000_000_000))  // sleep-audit: poll (the interval of eventuallySync)
    }
}

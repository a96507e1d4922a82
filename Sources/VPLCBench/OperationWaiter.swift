import AgentJSON
import Foundation
import Synchronization

/// Collects `operation_update` events and lets the bench wait for one by operation id.
final class OperationWaiter: Sendable {
    private let done = Mutex<[String: JSONObject]>([:])
    private let times = Mutex<[String: Double]>([:])

    func finished(_ id: String, _ payload: JSONObject) {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let at = Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        times.withLock { $0[id] = at }
        done.withLock { $0[id] = payload }
    }

    /// When the operation's `operation_update` arrived (CLOCK_MONOTONIC seconds).
    func finishedAt(_ id: String) -> Double? { times.withLock { $0[id] } }

    /// Polls (0.5 ms) until the operation ended; nil after `seconds`.
    func wait(_ id: String, seconds: Double = 60) async -> JSONObject? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let p = done.withLock({ $0[id] }) { return p }
            // harmless: bench tooling; a poll interval
            try? await Task.sleep(for: .microseconds(500))
        }
        return nil
    }
}

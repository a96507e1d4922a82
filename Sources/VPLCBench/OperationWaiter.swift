import AgentJSON
import Foundation
import Synchronization

/// Collects `operation_update` events and lets the bench wait for one by operation id.
final class OperationWaiter: Sendable {
    private let done = Mutex<[String: JSONObject]>([:])

    func finished(_ id: String, _ payload: JSONObject) { done.withLock { $0[id] = payload } }

    /// Polls (0.5 ms) until the operation ended; nil after `seconds`.
    func wait(_ id: String, seconds: Double = 60) async -> JSONObject? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let p = done.withLock({ $0[id] }) { return p }
            try? await Task.sleep(for: .microseconds(500))
        }
        return nil
    }
}

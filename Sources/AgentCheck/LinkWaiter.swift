import AgentJSON
import Synchronization

/// Waits for the transport's first `connected` link state, or a deadline.
final class LinkWaiter: Sendable {
    private struct State {
        var connected: JSONObject?
        var finished = false
        var waiter: CheckedContinuation<JSONObject?, Never>?
    }

    private let state = Mutex(State())

    /// Hands a link state over (from the transport's callback thread).
    func report(kind: String, detail: JSONObject) {
        guard kind == "connected" else { return }
        finish(detail)
    }

    /// The `connected` detail, or nil when `seconds` passed first.
    func wait(seconds: Double) async -> JSONObject? {
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))  // harmless: cancelled once the link answered
            self.finish(nil)
        }
        let detail = await withCheckedContinuation { (c: CheckedContinuation<JSONObject?, Never>) in
            let done = state.withLock { s -> JSONObject?? in
                if s.finished { return .some(s.connected) }
                s.waiter = c
                return .none
            }
            if let done { c.resume(returning: done) }
        }
        timer.cancel()
        return detail
    }

    private func finish(_ detail: JSONObject?) {
        let waiter = state.withLock { s -> CheckedContinuation<JSONObject?, Never>? in
            guard !s.finished else { return nil }
            s.finished = true
            s.connected = detail
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume(returning: detail)
    }
}

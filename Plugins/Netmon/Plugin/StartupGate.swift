import Synchronization

/// Opens once the listener knows what it will know for a while: the first discovery arrived,
/// or the sidecar turned out to be unreachable. `get_host_interfaces` waits (bounded) on it, so
/// a one-shot `orchestrator-agent invoke` right after start answers from a filled cache instead
/// of "cache is empty".
final class StartupGate: Sendable {
    private let state = Mutex<(open: Bool, next: UInt64, waiters: [UInt64: CheckedContinuation<Void, Never>])>((false, 0, [:]))

    /// Opens the gate for good and wakes every waiter (idempotent).
    func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Whether the gate is open.
    var isOpen: Bool { state.withLock { $0.open } }

    /// Returns when the gate opens or after `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let key = state.withLock { s -> UInt64? in
                guard !s.open else { return nil }
                s.next += 1
                s.waiters[s.next] = c
                return s.next
            }
            guard let key else {
                c.resume()
                return
            }
            Task {
                try? await Task.sleep(for: timeout)  // harmless: never cancelled; it only bounds the wait
                self.release(key)
            }
        }
    }

    private func release(_ key: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: key) }?.resume()
    }
}

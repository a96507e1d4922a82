/// A one-shot gate: `wait()` returns once `open()` was called (at once if it already was).
actor Latch {
    private var opened = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Opens the gate: every waiter, and every later `wait()`, goes on.
    func open() {
        opened = true
        for w in waiters { w.resume() }
        waiters.removeAll()
    }

    /// Returns once ``open()`` was called.
    func wait() async {
        if opened { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

import RuntimeModel

/// Each vPLC's crash-loop guard (its recent restarts). Owned by ``LifecycleWatcher``; cleared
/// by create, start, restart and delete.
actor CrashGuards {
    private var guards: [String: CrashLoopGuard] = [:]

    /// Asks the device's guard for one more restart at `now` (monotonic seconds).
    func allowRestart(_ device: String, limit: Int, window: Double, now: Double) -> Bool {
        var g = guards[device] ?? CrashLoopGuard(limit: limit, window: window)
        let ok = g.allowRestart(now: now)
        guards[device] = g
        return ok
    }

    /// Forgets the device's restarts.
    func reset(_ device: String) { guards[device] = nil }
}

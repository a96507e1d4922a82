/// Decides whether the agent may restart a dead vPLC again: at most `limit` restarts within
/// `window` seconds (upstream: 5 in 600 s). Pure; the caller supplies the clock.
public struct CrashLoopGuard: Sendable, Equatable {
    public let limit: Int
    public let window: Double
    public private(set) var restarts: [Double] = []

    public init(limit: Int = 5, window: Double = 600) {
        self.limit = limit
        self.window = window
    }

    /// Records a restart at `now` if allowed; false when the device is crash-looping.
    public mutating func allowRestart(now: Double) -> Bool {
        restarts.removeAll { now - $0 >= window }
        guard restarts.count < limit else { return false }
        restarts.append(now)
        return true
    }

    /// Forgets the history (an operator started the vPLC again).
    public mutating func reset() { restarts.removeAll() }
}

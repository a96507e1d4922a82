/// Delays between restarts of a DHCP client that keeps dying while its container lives:
/// 1 s, 2 s, 4 s … capped at 30 s; reset once a lease is bound.
public struct RestartBackoff: Sendable, Equatable {
    public let initialMs: Int64
    public let maxMs: Int64
    public private(set) var attempts = 0

    public init(initialMs: Int64 = 1000, maxMs: Int64 = 30_000) {
        self.initialMs = initialMs
        self.maxMs = maxMs
    }

    /// The delay before the next restart (and counts it).
    public mutating func next() -> Int64 {
        let shift = min(attempts, 30)
        attempts += 1
        return min(maxMs, initialMs << Int64(shift))
    }

    /// Back to the initial delay.
    public mutating func reset() { attempts = 0 }
}

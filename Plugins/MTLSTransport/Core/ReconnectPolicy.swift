/// When to try to reconnect, exactly as the upstream agent does (spec §1.4):
///
/// - until the first successful connection ever: a fixed 5 s (the cloud refuses an agent until a
///   person links its id, which can take minutes, so no exponential growth then; the attempt
///   counter does not move);
/// - afterwards: `min(1 s · 2^attempt, 30 s)` with ±30 % uniform jitter, floored at 1 s; the
///   attempt counter grows with each failure and resets on every successful connection.
public struct ReconnectPolicy: Sendable, Equatable {
    /// Delay before the first success ever.
    public static let initialSetupDelay = 5.0
    public static let baseDelay = 1.0
    public static let maxDelay = 30.0
    public static let jitter = 0.3
    public static let floor = 1.0

    public private(set) var hasEverConnected = false
    public private(set) var attempt = 0

    public init() {}

    /// Records a successful connection.
    public mutating func connected() {
        hasEverConnected = true
        attempt = 0
    }

    /// The delay in seconds before the next attempt. `random` is uniform in [0, 1).
    public mutating func nextDelay(random: Double) -> Double {
        guard hasEverConnected else { return Self.initialSetupDelay }
        let exponent = Double(min(attempt, 16))
        let base = min(Self.baseDelay * pow2(exponent), Self.maxDelay)
        let jittered = base + base * Self.jitter * (2 * random - 1)
        attempt += 1
        return max(Self.floor, jittered)
    }

    private func pow2(_ e: Double) -> Double {
        var v = 1.0
        var i = 0.0
        while i < e {
            v *= 2
            i += 1
        }
        return v
    }
}

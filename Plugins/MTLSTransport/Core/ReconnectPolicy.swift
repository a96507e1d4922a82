/// When to try to reconnect after the link to the cloud is lost.
///
/// Two schedules (docs/cloud-protocol.md, "Connection loop"):
///
/// - ``Schedule/slots`` (the default): time since the link was lost is cut into slots — six of
///   1 s, then 2, 4, 8, 10, 15, 20 s, then 30 s each — and one attempt is made at a uniformly
///   random moment of each slot (full jitter inside the slot). A short outage is bridged quickly
///   (a cloud back 3 to 5 s after it went away is reached within 2 s, half the time within 0.5 s),
///   a fleet that lost the same cloud spreads its attempts over each slot, and the number of
///   attempts in an outage is fixed by the slots, whatever the random draws: 10 in the first
///   30 s, then 2 a minute.
/// - ``Schedule/upstream``: exactly what the Python agent does (spec §1.4): `min(1 s · 2^attempt,
///   30 s)` with ±30 % uniform jitter, floored at 1 s.
///
/// With both, until the first successful connection ever the delay is a fixed 5 s: the cloud
/// refuses an agent until a person links its id, which can take minutes (the attempt counter
/// does not move then). The counter resets on every successful connection.
public struct ReconnectPolicy: Sendable, Equatable {
    /// How the delays grow.
    public enum Schedule: String, Sendable, CaseIterable {
        case slots
        case upstream
    }

    /// Delay before the first success ever.
    public static let initialSetupDelay = 5.0
    public static let baseDelay = 1.0
    public static let maxDelay = 30.0
    public static let jitter = 0.3
    public static let floor = 1.0
    /// The widths of the first slots of ``Schedule/slots``; every later slot is ``maxDelay`` wide.
    public static let slotWidths: [Double] = [1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 15, 20]

    public let schedule: Schedule
    public private(set) var hasEverConnected = false
    public private(set) var attempt = 0

    public init(schedule: Schedule = .upstream) {
        self.schedule = schedule
    }

    /// Records a successful connection.
    public mutating func connected() {
        hasEverConnected = true
        attempt = 0
    }

    /// The delay in seconds before the next attempt.
    /// - Parameters:
    ///   - random: uniform in [0, 1).
    ///   - elapsed: seconds since the link was lost (``Schedule/slots`` only): time already spent
    ///     in failed attempts is not waited again.
    public mutating func nextDelay(random: Double, elapsed: Double = 0) -> Double {
        guard hasEverConnected else { return Self.initialSetupDelay }
        switch schedule {
        case .upstream:
            let exponent = Double(min(attempt, 16))
            let base = min(Self.baseDelay * pow2(exponent), Self.maxDelay)
            let jittered = base + base * Self.jitter * (2 * random - 1)
            attempt += 1
            return max(Self.floor, jittered)
        case .slots:
            let start = Self.slotStart(attempt)
            // Inside the slot even when rounding of a draw close to 1 would reach the next one.
            let target = min(start + Self.slotWidth(attempt) * min(max(random, 0), 1), Self.slotStart(attempt + 1).nextDown)
            attempt += 1
            return max(0, target - elapsed)
        }
    }

    /// ``Schedule/slots``: the width of slot `n` (counted from 0).
    public static func slotWidth(_ n: Int) -> Double {
        n < slotWidths.count ? slotWidths[max(0, n)] : maxDelay
    }

    /// ``Schedule/slots``: when slot `n` begins, in seconds since the link was lost.
    public static func slotStart(_ n: Int) -> Double {
        let early = slotWidths.prefix(max(0, min(n, slotWidths.count))).reduce(0, +)
        return early + Double(max(0, n - slotWidths.count)) * maxDelay
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

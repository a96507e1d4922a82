/// The end of a call that takes several engine requests (negotiate, create, connect…): each
/// request gets what is left. Generic over the driver's error type.
public struct CallDeadline<Failure: DriverFailure>: Sendable {
    /// When the call's time is up.
    public let instant: ContinuousClock.Instant

    /// A deadline `timeout` from now.
    public init(after timeout: Duration) { instant = .now + timeout }

    /// The time left.
    /// - Throws: `Failure.timedOut` when none is.
    public func remaining() throws(Failure) -> Duration {
        let left = instant - .now
        guard left > .zero else { throw Failure.timedOut("the call's timeout passed") }
        return left
    }
}

/// What a container driver's error type offers the shared helpers (``DriverParams``,
/// ``CallDeadline``): the two failures they report, with the protocol's codes.
public protocol DriverFailure: Error, Sendable {
    /// A `bad_params` error naming `field`.
    static func badParams(_ field: String, _ message: String) -> Self
    /// An `engine_timeout` error.
    static func timedOut(_ message: String) -> Self
}

/// The end of a call that takes several engine requests (negotiate, create, connect…): each
/// request gets what is left.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after timeout: Duration) { instant = .now + timeout }

    /// The time left.
    /// - Throws: `engine_timeout` when none is.
    func remaining() throws(DockerEngineError) -> Duration {
        let left = instant - .now
        guard left > .zero else { throw DockerEngineError(.engineTimeout, "the call's timeout passed") }
        return left
    }
}

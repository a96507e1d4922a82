/// Invariant assertions for the fuzz targets: they throw a ``FuzzInvariantViolation`` instead of
/// trapping, so the seeded run reports every broken input and the libFuzzer driver decides to crash.
struct Check {
    let target: String

    /// Throws when `condition` is false.
    func that(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzInvariantViolation) {
        if !condition { throw FuzzInvariantViolation(target, message()) }
    }

    /// A refusal with `code`, after checking that the code is one of `known`.
    func refused(_ code: String, known: Set<String>, _ detail: @autoclosure () -> String) throws(FuzzInvariantViolation)
        -> FuzzOutcome
    {
        try that(known.contains(code), "unexpected error code '\(code)': \(detail())")
        return .refused(code: code)
    }
}

/// One fuzz target: a function from arbitrary bytes to an outcome, which checks the parser's
/// invariants on its way.
///
/// Contract: `run` never traps on any input (a trap is the bug fuzzing looks for); it answers
/// ``FuzzOutcome/accepted`` or ``FuzzOutcome/refused(code:)`` with the module's stable error
/// code, and throws ``FuzzInvariantViolation`` when the parser broke one of its documented
/// invariants (an unknown error code, a round trip that changed meaning, an accepted message that
/// lacks a required field...). Shared by the bounded seeded run (FuzzTests) and the libFuzzer
/// driver (FuzzDriver, built by scripts/fuzz), so both check the same things.
public struct FuzzTarget: Sendable {
    /// The target's name: also its corpus folder (`Tests/FuzzTests/Corpus/<name>`).
    public let name: String
    /// What the target feeds (one line, for docs and logs).
    public let summary: String
    /// Runs one input.
    public let run: @Sendable ([UInt8]) throws(FuzzInvariantViolation) -> FuzzOutcome

    public init(
        name: String, summary: String, run: @escaping @Sendable ([UInt8]) throws(FuzzInvariantViolation) -> FuzzOutcome
    ) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// What one input did.
public enum FuzzOutcome: Sendable, Equatable {
    /// The input parsed (and, where the module has an encoder, survived a round trip).
    case accepted
    /// The input was refused with the module's typed error; `code` is its stable code.
    case refused(code: String)
}

/// A broken invariant: the input, the target and what went wrong.
public struct FuzzInvariantViolation: Error, Sendable, CustomStringConvertible {
    public let target: String
    public let message: String

    public init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }

    public var description: String { "\(target): \(message)" }
}

/// The registry of fuzz targets.
public enum FuzzTargets {
    /// Every target, in a stable order.
    public static let all: [FuzzTarget] = [
        JSONTarget.target, EngineIOTarget.target, ContractTarget.target, NetmonStreamTarget.target,
        NetmonCommandTarget.target, DockerDecodersTarget.target, DockerStreamTarget.target, SiteConfigTarget.target,
        UeventTarget.target,
    ]

    /// The target called `name`, if any.
    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

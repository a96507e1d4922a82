import AgentJSON

/// What the container driver's `engine.capabilities` says about its engine
/// (docs/container-driver.md, "Engines compared"), read where the vPLC plugin depends on a
/// feature one engine lacks. The plugin never tests a driver's id or an engine's name: it asks
/// for the capability, and an engine without it gets ``RuntimeError`` `engine_unsupported`
/// naming the engine and the capability instead of an engine failure later on. Pure.
public struct EngineCapabilities: Sendable, Equatable {
    /// A capability the vPLC plugin needs for some topic.
    public struct Feature: Sendable, Equatable {
        /// Its key in `engine.capabilities` (`upgrader`).
        public let key: String
        /// What needs it, for the error message (`upgrade_orchestrator`).
        public let neededBy: String
        /// What it is, for the error message.
        public let what: String

        /// The self-upgrade's container swap: an `agent.upgrader` in the driver plugin, which
        /// the `orchestrator_upgrader` container loads (docs/upgrade.md).
        public static let upgrader = Feature(
            key: "upgrader", neededBy: "upgrade_orchestrator", what: "the self-upgrade's container swap (agent.upgrader)")
    }

    /// The driver's answer; nil when the driver has no `engine.capabilities` (a driver older
    /// than the method: nothing is known, so nothing is refused).
    public let answer: JSONObject?

    public init(answer: JSONObject?) { self.answer = answer }

    /// The engine's name as the driver gives it (`docker`, `podman`), `unknown` without one.
    public var engine: String { answer?["engine"]?.stringValue ?? "unknown" }

    /// Whether the engine has `feature`: only an explicit `false` says it has not.
    public func has(_ feature: Feature) -> Bool { answer?[feature.key]?.boolValue != false }

    /// Throws unless the engine has `feature`.
    /// - Throws: ``RuntimeError`` `engine_unsupported` naming the engine, the capability and
    ///   what needs it.
    public func require(_ feature: Feature) throws(RuntimeError) {
        guard !has(feature) else { return }
        throw RuntimeError(
            "engine_unsupported",
            "\(feature.neededBy) needs \(feature.what), which the \(engine) engine's driver does not offer (engine.capabilities \(feature.key): false)"
        )
    }
}

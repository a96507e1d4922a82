import AgentContracts
import AgentJSON
import CAgentABI
import Logging

/// The core topics `get_agent_config` (plugin inventory, topic and feature toggles, staged
/// plugin changes) and `set_site_toggles` (see ``ToggleChange`` for the rules). Neither can be
/// disabled by a toggle.
public enum AgentConfigTopics {
    static let protected: Set<String> = ["get_agent_config", "set_site_toggles"]

    /// `set_site_toggles`: `topics`, `features`, `plugins`, each an optional object of switches
    /// (checked in detail by ``ToggleChange``). Public for the fuzz targets.
    public static let setSiteTogglesContract = Contract.baseMessage.merging([
        "topics": .optional(.object(Contract())), "features": .optional(.object(Contract())),
        "plugins": .optional(.object(Contract())),
    ])

    /// Registers both topics. They hold the agent weakly (the agent holds them), so an agent
    /// that is let go releases its store lock.
    static func register(agent: Agent, toggles: ToggleStore) {
        let services = agent.services
        services.coreTopics.add(
            CoreTopic(name: "get_agent_config", contract: Contract.baseMessage.readingOnly(), mayBeDisabled: false) { [weak agent] _, _ throws(CoreTopic.Failure) in
                guard let agent else { throw .init("shutting_down", "the agent is shutting down") }
                return report(agent: agent, toggles: toggles)
            })
        services.coreTopics.add(
            CoreTopic(name: "set_site_toggles", contract: setSiteTogglesContract, mayBeDisabled: false) { [weak agent] message, origin throws(CoreTopic.Failure) in
                guard let agent else { throw .init("shutting_down", "the agent is shutting down") }
                let transport = services.registry.lookup(AGENT_PROTOCOL_TRANSPORT)?.pluginID
                let transportPath = toggles.startConfig.plugins.first { $0.id == transport }?.path
                let ctx = ToggleChange.Context(
                    knownTopics: Set(topicNames(services)), protectedTopics: protected,
                    configuredPlugins: Set(toggles.startConfig.plugins.map(\.id)), transportPlugin: transport,
                    transportFileSHA256: { transportPath.flatMap(ToggleStore.fileSHA256) })
                let change = try ToggleChange.parse(message, ctx)
                let next = try toggles.apply(change, by: origin)
                services.logger.notice(
                    "site toggles changed", metadata: ["by": "\(origin)", "restart_required": "\(next.restartRequired(comparedTo: toggles.startConfig))"])
                var out = report(agent: agent, toggles: toggles)
                out["message"] = .string(
                    next.restartRequired(comparedTo: toggles.startConfig)
                        ? "Topic and feature toggles applied; plugin changes are staged for the next agent restart (vPLCs keep running)."
                        : "Toggles applied.")
                return out
            })
    }

    static func topicNames(_ services: AgentServices) -> [String] {
        (services.registry.entries(of: AGENT_PROTOCOL_TOPIC_HANDLER).map(\.name) + services.coreTopics.names).sorted()
    }

    /// The `get_agent_config` answer.
    static func report(agent: Agent, toggles: ToggleStore) -> JSONObject {
        let services = agent.services
        let config = services.config.config
        let staged = toggles.toggles
        let plugins: [JSONValue] = agent.plugins.map { record in
            var o = record.inventoryJSON
            let entry = toggles.startConfig.plugins.first { $0.id == record.id }
            o["pinned_sha256"] = entry.map { .string($0.sha256) } ?? .null
            o["denied"] = .bool(toggles.startConfig.deny.contains(record.id))
            var next = JSONObject()
            if staged.deny.contains(record.id) { next["deny"] = true }
            if staged.allow.contains(record.id) { next["allow"] = true }
            if let pin = staged.pins[record.id] { next["pin"] = .string(pin) }
            o["staged"] = .object(next)
            return .object(o)
        }
        let registered = Dictionary(
            services.registry.entries(of: AGENT_PROTOCOL_TOPIC_HANDLER).map { ($0.name, $0.pluginID) }, uniquingKeysWith: { a, _ in a })
        let topics: [JSONValue] = topicNames(services).map { name in
            [
                "name": .string(name), "plugin": .string(registered[name] ?? "core"),
                "enabled": .bool(protected.contains(name) || config.isTopicEnabled(name)),
                "toggled": .bool(staged.topics[name] != nil), "timeout_ms": .number(Double(config.timeoutMilliseconds(for: name))),
                "may_disable": .bool(!protected.contains(name)),
            ]
        }
        var out: JSONObject = [
            "status": "success", "agent_version": .string(AgentVersion.current), "plugins": .array(plugins),
            "topics": .array(topics),
            "features": .object(JSONObject(config.features.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.bool($0.value)) })),
            "toggles": staged.json, "restart_required": .bool(staged.restartRequired(comparedTo: toggles.startConfig)),
        ]
        if let e = toggles.loadError { out["toggles_error"] = .string(e) }
        return out
    }
}

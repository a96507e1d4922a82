import AgentContracts
import AgentCore
import AgentJSON
import CAgentABI
import Testing

@Suite("Registry: plugins meet only through it")
struct RegistryTests {
    @Test("a Swift plugin finds the C plugin's topic handler in the registry and calls it")
    func pluginToPlugin() async throws {
        let fixture = try ExampleAgent()
        let agent = fixture.agent
        _ = await agent.send("example_counter", #"{"increment":4}"#)
        _ = await agent.send("example_counter", #"{"increment":3}"#)
        let r = await agent.send("example_relay_count", "{}")
        #expect(r["status"] == "ok", "\(r)")
        #expect(r["count"] == 7)
        #expect(r["via"] == "registry")
    }

    @Test("without the other plugin the lookup fails with a typed error, not a crash")
    func lookupMissing() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)]))
        let r = await agent.send("example_relay_count", "{}")
        #expect(r["code"] == "not_found")
    }

    @Test("registry entries carry the owning plugin and the full contract (base fields first)")
    func entries() throws {
        let fixture = try ExampleAgent()
        let registry = fixture.agent.services.registry
        let hello = registry.lookup(AGENT_PROTOCOL_TOPIC_HANDLER, name: "example_hello")
        #expect(hello?.pluginID == "com.example.greeter-swift")
        #expect(hello?.contract?.names == ["correlation_id", "action", "requested_at", "name", "language"])
        #expect(hello?.addDefaults == true)
        let topics = registry.entries(of: AGENT_PROTOCOL_TOPIC_HANDLER).map(\.name)
        #expect(topics.contains("example_counter"))
        #expect(registry.lookup(AGENT_PROTOCOL_TRANSPORT) == nil)
    }
}

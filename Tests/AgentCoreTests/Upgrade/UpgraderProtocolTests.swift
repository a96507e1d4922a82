import AgentCore
import AgentJSON
import CAgentABI
import Foundation
import Testing

/// `agent.upgrader` through the C ABI (ABI 1.1): the Docker driver plugin registers it beside its
/// container driver, the host registry accepts it, and the host's calls reach the plugin's
/// methods and bring back their typed errors. No engine: the socket does not exist.
@Suite("Upgrade: the agent.upgrader protocol through the registry")
struct UpgraderProtocolTests {
    @Test("the Docker driver registers agent.upgrader; calls reach its methods and their error codes come back")
    func throughTheABI() async throws {
        let lab = try PluginLab()
        let docker = try lab.install("agent-docker")
        let socket = lab.root + "/no-engine.sock"
        let agent = try lab.agent(
            configPath: try lab.writeConfig([try lab.entry(id: "io.autonomy.docker", path: docker, config: ["socket": .string(socket)])]))
        #expect(agent.plugins.map(\.state.code) == ["loaded"])
        #expect(AGENT_ABI_MINOR >= 1, "agent.upgrader came with ABI 1.1")
        let entry = try #require(agent.services.registry.lookup(UpgraderClient.protocolID))
        #expect(entry.pluginID == "io.autonomy.docker" && entry.name == "io.autonomy.docker")
        #expect(agent.services.registry.lookup(AGENT_PROTOCOL_CONTAINER_DRIVER)?.pluginID == "io.autonomy.docker")

        let calls = ProtocolCalls(registry: agent.services.registry)
        func code(_ method: String, _ params: JSONObject) async -> (String, String?)? {
            do {
                _ = try await calls.upgrader(method, params, timeout: .seconds(30))
                return nil
            } catch {
                return (error.code, error.field)
            }
        }
        let noImage = await code("swap.prepare", ["target": "orchestrator_agent"])
        #expect(noImage?.0 == "bad_params" && noImage?.1 == "image", "\(String(describing: noImage))")
        #expect(await code("swap.commit", ["token": "nope"])?.0 == "unknown_token")
        #expect(await code("swap.explode", [:])?.0 == "unknown_method")
        // The engine is away: the target cannot be read, and nothing else was tried.
        let client = UpgraderClient { m, p throws(ProtocolCallError) in try await calls.upgrader(m, p, timeout: .seconds(30)) }
        do {
            _ = try await client.prepare(target: "orchestrator_agent", image: "agent:2")
            Issue.record("prepare succeeded without an engine")
        } catch {
            #expect(error.code == "target_not_found", "\(error)")
        }
        await agent.shutdown()
    }

    @Test("a host without the plugin has no upgrader: the call fails with no_implementation")
    func none() async throws {
        let lab = try PluginLab()
        let agent = try lab.agent(configPath: try lab.writeConfig([]))
        do {
            _ = try await ProtocolCalls(registry: agent.services.registry).upgrader("swap.prepare", [:])
            Issue.record("an upgrader answered in an agent that loaded none")
        } catch {
            #expect(error.code == "no_implementation")
        }
        await agent.shutdown()
    }
}

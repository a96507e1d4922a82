import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

@Suite("Site toggles: topics and features reload without a restart", .labThreads)
struct ToggleTests {
    @Test("a disabled topic answers disabled; re-enabling it by reload works at once")
    func topicToggle() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let entry = try lab.entry(id: "com.example.greeter-swift", path: path)
        let config = try lab.writeConfig([entry], topics: ["example_hello": ["enabled": false]])
        let agent = try lab.agent(configPath: config)
        let off = await agent.send("example_hello", #"{"name":"a","correlation_id":3}"#)
        #expect(off["code"] == "disabled")
        #expect(off["status"] == "error")
        #expect(off["correlation_id"] == 3)
        #expect(off["error"]?.stringValue?.contains("topics.example_hello.enabled = false in the site config") == true, "\(off)")
        // The other topic of the same plugin is unaffected.
        let other = await agent.send("example_sleep", #"{"ms":0}"#)
        #expect(other["status"] == "ok")

        try lab.writeConfig([entry], topics: ["example_hello": ["enabled": true]])
        let outcome = try agent.reloadConfig()
        #expect(!outcome.pluginsChanged)
        let on = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(on["status"] == "ok")

        try lab.writeConfig([entry], topics: ["example_hello": ["enabled": false]])
        try agent.reloadConfig()
        let offAgain = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(offAgain["code"] == "disabled")
    }

    @Test("a feature flag read by a plugin at use time follows the reloaded config")
    func featureToggle() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let entry = try lab.entry(id: "com.example.greeter-swift", path: path)
        let agent = try lab.agent(configPath: try lab.writeConfig([entry], features: ["example_shout": true]))
        let loud = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(loud["greeting"] == "HELLO, A!")
        try lab.writeConfig([entry], features: ["example_shout": false])
        try agent.reloadConfig()
        let quiet = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(quiet["greeting"] == "Hello, a!")
    }

    @Test("the C plugin reads the same flags through the host table")
    func cFeature() async throws {
        let lab = try PluginLab()
        let c = try lab.installCPlugin()
        let entry = try lab.entry(id: "com.example.counter-c", path: c)
        let agent = try lab.agent(configPath: try lab.writeConfig([entry], features: ["example_counter_double": true]))
        let r = await agent.send("example_counter", #"{"increment":2}"#)
        #expect(r["count"] == 4)
    }

    @Test("a reload that changes the plugin list keeps the loaded set and says a restart is needed")
    func pluginListNeedsRestart() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let entry = try lab.entry(id: "com.example.greeter-swift", path: path)
        let config = try lab.writeConfig([entry])
        let agent = try lab.agent(configPath: config)
        try lab.writeConfig([entry], deny: ["com.example.greeter-swift"])
        let outcome = try agent.reloadConfig()
        #expect(outcome.pluginsChanged)
        let r = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(r["status"] == "ok")
    }

    @Test("a broken config on reload is refused and the previous toggles stay in force")
    func badReload() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let entry = try lab.entry(id: "com.example.greeter-swift", path: path)
        let config = try lab.writeConfig([entry], topics: ["example_hello": ["enabled": false]])
        let agent = try lab.agent(configPath: config)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: config))
        #expect(throws: AgentCoreError.self) { try agent.reloadConfig() }
        let r = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(r["code"] == "disabled")
    }
}

import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// `get_agent_config` and `set_site_toggles` on a real agent with real plugins (the Swift
/// example plugin, the mTLS transport plugin loaded but not started).
@Suite("Site toggles (get_agent_config / set_site_toggles)", .labThreads)
struct SiteToggleTopicTests {
    let lab: PluginLab
    let config: String

    init() throws {
        lab = try PluginLab()
        let greeter = try lab.install("agent-example-swift")
        let transport = try lab.install("agent-transport-mtls")
        config = try lab.writeConfig([
            try lab.entry(id: "com.example.greeter-swift", path: greeter),
            try lab.entry(id: "io.autonomy.transport-mtls", path: transport),
        ])
    }

    /// A new agent on the same state folder after `shutdown()`. The store's lock fd is CLOEXEC,
    /// but a child another suite is spawning at that instant holds a copy until its exec; so the
    /// open is retried for a moment while the store says `locked`.
    func restart() async throws -> Agent {
        for _ in 0..<50 {
            do { return try lab.agent(configPath: config) } catch let e as AgentCoreError where "\(e)".contains("locked") {
                try await Task.sleep(for: .milliseconds(100))  // sleep-audit: poll (the interval of a wait with a deadline)
            }
        }
        return try lab.agent(configPath: config)
    }

    @Test func disablingATopicAppliesAtOncePersistsAndSurvivesARestartAndAReload() async throws {
        let agent = try lab.agent(configPath: config)
        #expect(await agent.send("example_hello", #"{"name":"Ada"}"#)["greeting"] != nil)
        let r = await agent.send("set_site_toggles", #"{"topics":{"example_hello":false},"features":{"metrics_endpoint":true}}"#)
        #expect(r["status"]?.stringValue == "success", "\(r)")
        #expect(r["restart_required"] == .bool(false))
        let off = await agent.send("example_hello", #"{"name":"Ada"}"#)
        #expect(off["code"]?.stringValue == "disabled")
        // The answer names the switch that turned it off, not the site config file.
        let why = off["error"]?.stringValue ?? ""
        #expect(why.contains("set_site_toggles") && why.contains("cli:uid=") && !why.contains("topics.example_hello"), "\(why)")
        #expect(agent.services.config.config.isFeatureEnabled("metrics_endpoint"))
        try agent.reloadConfig()  // SIGHUP re-reads the file; the toggle still wins
        #expect(await agent.send("example_hello", #"{"name":"Ada"}"#)["code"]?.stringValue == "disabled")
        let saved = try String(contentsOfFile: lab.stateDir + "/site-toggles.json", encoding: .utf8)
        #expect(saved.contains("example_hello") && saved.contains("cli:uid="))
        await agent.shutdown()

        let again = try await restart()
        #expect(await again.send("example_hello", #"{"name":"Ada"}"#)["code"]?.stringValue == "disabled")
        let cfg = await again.send("get_agent_config", "{}")
        let topic = cfg["topics"]?.arrayValue?.compactMap(\.objectValue).first { $0["name"]?.stringValue == "example_hello" }
        #expect(topic?["enabled"] == .bool(false) && topic?["toggled"] == .bool(true) && topic?["plugin"]?.stringValue == "com.example.greeter-swift")
        // null drops the override: the file's value (enabled) comes back.
        let reset = await again.send("set_site_toggles", #"{"topics":{"example_hello":null}}"#)
        #expect(reset["status"]?.stringValue == "success")
        #expect(await again.send("example_hello", #"{"name":"Ada"}"#)["greeting"] != nil)
        await again.shutdown()
    }

    @Test func pluginChangesAreStagedForTheNextStartOnly() async throws {
        let agent = try lab.agent(configPath: config)
        let r = await agent.send("set_site_toggles", #"{"plugins":{"deny":["com.example.greeter-swift"]}}"#)
        #expect(r["status"]?.stringValue == "success", "\(r)")
        #expect(r["restart_required"] == .bool(true))
        // Still loaded and answering in this process.
        #expect(await agent.send("example_hello", #"{"name":"Ada"}"#)["greeting"] != nil)
        let greeter = r["plugins"]?.arrayValue?.compactMap(\.objectValue).first { $0["id"]?.stringValue == "com.example.greeter-swift" }
        #expect(greeter?["state"]?.stringValue == "loaded" && greeter?["staged"]?.objectValue?["deny"] == .bool(true))
        await agent.shutdown()

        let next = try await restart()
        #expect(next.plugins.first { $0.id == "com.example.greeter-swift" }?.state.code == "refused:denied")
        #expect(await next.send("example_hello", #"{"name":"Ada"}"#)["code"]?.stringValue == "unknown_topic")
        let allow = await next.send("set_site_toggles", #"{"plugins":{"allow":["com.example.greeter-swift"]}}"#)
        #expect(allow["restart_required"] == .bool(true), "\(allow)")
        await next.shutdown()
        let third = try await restart()
        #expect(third.plugins.first { $0.id == "com.example.greeter-swift" }?.state.code == "loaded")
        await third.shutdown()
    }

    @Test(arguments: [
        (#"{"topics":{"set_site_toggles":false}}"#, "would_disconnect", "topics.set_site_toggles"),
        (#"{"topics":{"get_agent_config":false}}"#, "would_disconnect", "topics.get_agent_config"),
        (#"{"plugins":{"deny":["io.autonomy.transport-mtls"]}}"#, "would_disconnect", "plugins.deny"),
        (#"{"plugins":{"pins":{"io.autonomy.transport-mtls":"0000000000000000000000000000000000000000000000000000000000000000"}}}"#,
         "would_disconnect", "plugins.pins.io.autonomy.transport-mtls"),
        (#"{"topics":{"no_such_topic":false}}"#, "unknown_topic", "topics.no_such_topic"),
        (#"{"topics":{"example_hello":"off"}}"#, "invalid_type", "topics.example_hello"),
        (#"{"features":{"bad name!":true}}"#, "validation_error", "features.bad name!"),
        (#"{"plugins":{"deny":["com.unknown"]}}"#, "unknown_plugin", "plugins.deny[0]"),
        (#"{"plugins":{"pins":{"com.example.greeter-swift":"abc"}}}"#, "validation_error", "plugins.pins.com.example.greeter-swift"),
        (#"{"plugins":{"deny":["com.example.greeter-swift"],"allow":["com.example.greeter-swift"]}}"#, "validation_error", "plugins.allow"),
        (#"{"topics":[]}"#, "invalid_type", "topics"),
        (#"{}"#, "validation_error", "topics"),
    ])
    func refusalsAreTypedAndChangeNothing(message: String, code: String, field: String) async throws {
        let agent = try lab.agent(configPath: config)
        let r = await agent.send("set_site_toggles", message)
        #expect(r["status"]?.stringValue == "error")
        #expect(r["code"]?.stringValue == code, "\(r)")
        #expect(r["field"]?.stringValue == field, "\(r)")
        #expect(!FileManager.default.fileExists(atPath: lab.stateDir + "/site-toggles.json"))
        #expect(await agent.send("example_hello", #"{"name":"Ada"}"#)["greeting"] != nil)
        await agent.shutdown()
    }

    @Test func aTransportPinMatchingItsFileIsStaged() async throws {
        let agent = try lab.agent(configPath: config)
        let sha = try #require(agent.plugins.first { $0.id == "io.autonomy.transport-mtls" }?.sha256)
        let r = await agent.send("set_site_toggles", #"{"plugins":{"pins":{"io.autonomy.transport-mtls":"\#(sha)"}}}"#)
        #expect(r["status"]?.stringValue == "success", "\(r)")
        #expect(r["restart_required"] == .bool(false))  // same pin as the config: nothing to restart for
        await agent.shutdown()
    }

    @Test func theConfigTopicsCannotBeDisabledByTheFileEither() async throws {
        let path = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: lab.pluginDir + "/libagent-example-swift.so")],
            topics: ["get_agent_config": ["enabled": false]], name: "locked.json")
        let agent = try lab.agent(configPath: path)
        let r = await agent.send("get_agent_config", "{}")
        #expect(r["status"]?.stringValue == "success", "\(r)")
        await agent.shutdown()
    }
}

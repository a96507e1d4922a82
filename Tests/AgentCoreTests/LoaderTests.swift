import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

@Suite("Plugin loader: what loads and why the rest is refused", .labThreads)
struct LoaderTests {
    @Test("the Swift and the C example plugins load side by side and register their topics")
    func examplesLoad() async throws {
        let lab = try PluginLab()
        let swift = try lab.install("agent-example-swift")
        let c = try lab.installCPlugin()
        let config = try lab.writeConfig([
            try lab.entry(id: "com.example.greeter-swift", path: swift),
            try lab.entry(id: "com.example.counter-c", path: c),
        ])
        let agent = try lab.agent(configPath: config)
        #expect(agent.plugins.map(\.state.code) == ["loaded", "loaded"])
        #expect(agent.plugins[0].registrations.contains("agent.topic_handler/example_hello"))
        #expect(agent.plugins[1].registrations == ["agent.topic_handler/example_counter"])
        #expect(agent.plugins[1].toolchain == "none")
        #expect(agent.plugins[0].version == "1.0.0")
        #expect(agent.plugins.allSatisfy { $0.sha256?.count == 64 })
        let hello = await agent.send("example_hello", #"{"name":"line 3"}"#)
        #expect(hello["greeting"] == "Hello, line 3!")
        let count = await agent.send("example_counter", #"{"increment":2}"#)
        #expect(count["count"] == 2)
        await agent.shutdown()
    }

    /// One refusal case: how to break the setup, and the expected state code.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let product: String
        let id: String
        let expected: String
        var description: String { name }
    }

    static let handshakeCases: [Case] = [
        Case(name: "wrong magic", product: "agent-fixture-bad-magic", id: "test.fixture.bad_magic", expected: "refused:bad_magic"),
        Case(name: "ABI major 2", product: "agent-fixture-abi-major2", id: "test.fixture.abi_major2",
             expected: "refused:abi_major_unsupported"),
        Case(name: "ABI minor newer than the host's", product: "agent-fixture-abi-minor-newer",
             id: "test.fixture.abi_minor_newer", expected: "refused:abi_minor_newer"),
        Case(name: "missing entry symbol", product: "agent-fixture-no-entry", id: "test.fixture.no_entry",
             expected: "refused:missing_entry"),
        Case(name: "toolchain mismatch", product: "agent-fixture-toolchain", id: "test.fixture.toolchain",
             expected: "refused:toolchain_mismatch"),
        Case(name: "init fails", product: "agent-fixture-init-fails", id: "test.fixture.init_fails",
             expected: "failed:init_failed"),
        Case(name: "plugin id differs from the config entry", product: "agent-fixture-init-fails",
             id: "test.fixture.someone_else", expected: "refused:id_mismatch"),
    ]

    @Test("handshake refusals keep the agent running with the good plugins", arguments: handshakeCases)
    func handshakeRefusals(_ c: Case) async throws {
        let lab = try PluginLab()
        let bad = try lab.install(c.product)
        let good = try lab.install("agent-example-swift")
        let config = try lab.writeConfig([
            try lab.entry(id: c.id, path: bad),
            try lab.entry(id: "com.example.greeter-swift", path: good),
        ])
        let agent = try lab.agent(configPath: config)
        #expect(agent.plugins[0].state.code == c.expected)
        #expect(agent.plugins[0].registrations.isEmpty)
        #expect(agent.plugins[1].state.code == "loaded")
        let hello = await agent.send("example_hello", #"{"name":"still here"}"#)
        #expect(hello["status"] == "ok")
        // Nothing of the refused plugin is routable.
        let fixture = await agent.send("fixture_topic", "{}")
        #expect(fixture["code"] == "unknown_topic")
        await agent.shutdown()
    }

    @Test("a refusal message tells what to fix")
    func refusalMessages() throws {
        let lab = try PluginLab()
        let bad = try lab.install("agent-fixture-abi-major2")
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "test.fixture.abi_major2", path: bad)]))
        guard case .refused(let r) = agent.plugins[0].state else {
            Issue.record("expected a refusal, got \(agent.plugins[0].state)")
            return
        }
        #expect(r.message.contains("major 2"))
        #expect(r.message.contains("rebuild"))
    }

    @Test("a topic of a refused plugin answers unknown_topic naming the refused plugin and its code")
    func unknownTopicNamesRefusal() async throws {
        let lab = try PluginLab()
        let greeter = try lab.install("agent-example-swift")
        let agent = try lab.agent(
            configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: greeter, sha256: String(repeating: "0", count: 64))]))
        let r = await agent.send("example_hello", #"{"name":"a"}"#)
        #expect(r["code"] == "unknown_topic")
        let text = r["error"]?.stringValue ?? ""
        #expect(text.contains("com.example.greeter-swift (hash_mismatch)") && text.contains("plugins list"), "\(text)")
    }

    @Test("a duplicate (protocol, name) fails the second plugin and leaves the first one's topic intact")
    func duplicateRegistration() async throws {
        let lab = try PluginLab()
        let greeter = try lab.install("agent-example-swift")
        let dup = try lab.install("agent-fixture-duplicate")
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "com.example.greeter-swift", path: greeter),
                try lab.entry(id: "test.fixture.duplicate", path: dup),
            ]))
        #expect(agent.plugins.map(\.state.code) == ["loaded", "failed:duplicate_registration"])
        let hello = await agent.send("example_hello", #"{"name":"x"}"#)
        #expect(hello["greeting"] == "Hello, x!")
    }

    @Test("a plugin that registers the same topic twice by itself is failed with nothing registered")
    func selfDuplicate() async throws {
        let lab = try PluginLab()
        let dup = try lab.install("agent-fixture-duplicate")
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "test.fixture.duplicate", path: dup)]))
        #expect(agent.plugins[0].state.code == "failed:duplicate_registration")
        let r = await agent.send("example_hello", #"{"name":"x"}"#)
        #expect(r["code"] == "unknown_topic")
    }

    @Test("a hash that differs from the pin is refused")
    func hashMismatch() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "com.example.greeter-swift", path: path, sha256: String(repeating: "ab", count: 32))
            ]))
        #expect(agent.plugins[0].state.code == "refused:hash_mismatch")
    }

    @Test("a file replaced after pinning is refused (the pin covers the bytes, not the name)")
    func replacedFile() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let entry = try lab.entry(id: "com.example.greeter-swift", path: path)
        try lab.install("agent-fixture-init-fails", as: "libagent-example-swift.so")
        let agent = try lab.agent(configPath: try lab.writeConfig([entry]))
        #expect(agent.plugins[0].state.code == "refused:hash_mismatch")
    }

    @Test("a symlink is refused even when it points at a good plugin")
    func symlink() throws {
        let lab = try PluginLab()
        let real = try lab.install("agent-example-swift")
        let link = lab.pluginDir + "/link.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "com.example.greeter-swift", path: link, sha256: try PluginInspector.sha256(path: real))
            ]))
        #expect(agent.plugins[0].state.code == "refused:symlink")
    }

    @Test("a group- or world-writable file is refused", arguments: [0o775, 0o757, 0o777])
    func writableFile(mode: Int) throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)]))
        #expect(agent.plugins[0].state.code == "refused:insecure_permissions")
    }

    @Test("a plugin in a group- or world-writable folder is refused", arguments: [0o775, 0o777])
    func writableFolder(mode: Int) throws {
        let lab = try PluginLab()
        let folder = lab.pluginDir + "/open"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let path = try lab.install("agent-example-swift", in: folder)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: folder)
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)]))
        #expect(agent.plugins[0].state.code == "refused:insecure_permissions")
    }

    @Test("a file owned by another user is refused")
    func foreignOwner() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        guard chown(path, 65534, 65534) == 0 else {
            Issue.record("chown needs root; the test suite runs as root in CI")
            return
        }
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)]))
        #expect(agent.plugins[0].state.code == "refused:bad_owner")
    }

    @Test("a folder owned by another user is refused")
    func foreignFolderOwner() throws {
        let lab = try PluginLab()
        let folder = lab.pluginDir + "/theirs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let path = try lab.install("agent-example-swift", in: folder)
        #expect(chown(folder, 65534, 65534) == 0)
        let agent = try lab.agent(configPath: try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)]))
        #expect(agent.plugins[0].state.code == "refused:bad_owner")
    }

    @Test("the deny list wins over the allowlist")
    func denyWins() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let agent = try lab.agent(
            configPath: try lab.writeConfig(
                [try lab.entry(id: "com.example.greeter-swift", path: path)], deny: ["com.example.greeter-swift"]))
        #expect(agent.plugins[0].state.code == "refused:denied")
        let r = await agent.send("example_hello", #"{"name":"x"}"#)
        #expect(r["code"] == "unknown_topic")
    }

    @Test("a missing file is refused, not fatal")
    func missingFile() throws {
        let lab = try PluginLab()
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "x.y", path: lab.pluginDir + "/nope.so", sha256: String(repeating: "0", count: 64))
            ]))
        #expect(agent.plugins[0].state.code == "refused:unreadable")
    }

    @Test("plugins only load from the config: a plugin's own config section reaches its init")
    func pluginConfig() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "com.example.greeter-swift", path: path, config: ["default_language": "de"])
            ]))
        let r = await agent.send("example_hello", #"{"name":"Anlage"}"#)
        #expect(r["greeting"] == "Hallo, Anlage!")
    }

    @Test("an init that throws a typed error is reported with its message")
    func initErrorMessage() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let agent = try lab.agent(
            configPath: try lab.writeConfig([
                try lab.entry(id: "com.example.greeter-swift", path: path, config: ["default_language": "xx"])
            ]))
        guard case .failed(let r) = agent.plugins[0].state else {
            Issue.record("expected failed, got \(agent.plugins[0].state)")
            return
        }
        #expect(r.code == .initFailed)
        #expect(r.message.contains("default_language 'xx'"))
        #expect(r.message.contains("bad_config"))
    }
}

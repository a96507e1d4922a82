import AgentJSON
import AgentPluginTestKit
import ExampleSwiftPlugin
import LabSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The example plugins on the test kit: what docs/plugins.md shows a plugin author.
@Suite("Example plugins on the test kit", .labThreads)
struct ExamplePluginTests {
    @Test("the Swift greeter answers, counts in the store, emits, follows its feature switch")
    func greeter() async throws {
        try await TestHost.with { host in
            try host.load(GreeterPlugin.self, config: ["default_language": "de"])

            let first = await host.call("example_hello", ["name": "Ada", "correlation_id": 42])
            #expect(first["greeting"] == "Hallo, Ada!")
            #expect(first["count"] == 1)
            #expect(first["correlation_id"] == 42)
            #expect(first["action"] == "example_hello")

            host.setFeature("example_shout", true)
            let second = await host.call("example_hello", ["name": "Ada", "language": "fr"])
            #expect(second["greeting"] == "BONJOUR, ADA!")
            #expect(second["count"] == 2)
            #expect(try host.stored(plugin: GreeterPlugin.id, key: "count/Ada") == 2)
            #expect(host.events("greeting").map(\.payload["count"]) == [1, 2])
        }
    }

    @Test("concurrent requests lose no update: the Swift greeter and the C counter read-modify-write atomically")
    func concurrentCounts() async throws {
        let root = getenv("AGENT_PACKAGE_ROOT").map { String(cString: $0) } ?? String(#filePath.split(separator: "/Tests/").first ?? "")
        let out = "/tmp/agent-plugintests-\(getpid())-counter-race.so"
        #expect(try CommandRunner.run(["/bin/bash", root + "/Plugins/Examples/CCounter/build.sh", out]).status == 0)
        try await TestHost.with { host in
            try host.load(GreeterPlugin.self)
            try host.load(library: out)
            // 40 greetings and 40 increments at once. Each answer is a success or a typed
            // `conflict` (a request that lost the race too often); every success is counted.
            let answers = await withTaskGroup(of: (String, JSONObject).self) { group in
                for _ in 0..<40 {
                    group.addTask { ("hello", await host.call("example_hello", ["name": "Ada"])) }
                    group.addTask { ("counter", await host.call("example_counter", ["increment": 1])) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (topic, key, plugin) in [("hello", "count/Ada", GreeterPlugin.id), ("counter", "count", "com.example.counter-c")] {
                let mine = answers.filter { $0.0 == topic }.map(\.1)
                let ok = mine.filter { $0["status"] == "ok" }.count
                #expect(mine.allSatisfy { $0["status"] == "ok" || $0["code"] == "conflict" }, "\(mine)")
                #expect(ok > 0)
                #expect(try host.stored(plugin: plugin, key: key) == .number(Double(ok)), "\(topic): \(ok) successes")
            }
        }
        unlink(out)
    }

    @Test("bad input gets the agent's typed errors: contract, the plugin's own, unknown topic, timeout")
    func greeterErrors() async throws {
        try await TestHost.with { host in
            try host.load(GreeterPlugin.self)
            let missing = await host.call("example_hello", [:])
            #expect(missing["status"] == "error")
            #expect(missing["code"] == "missing_field")
            #expect(missing["field"] == "name")

            let language = await host.call("example_hello", ["name": "Ada", "language": "xx"])
            #expect(language["code"] == "unsupported_language")
            #expect(language["field"] == "language")

            #expect(await host.call("example_nothing")["code"] == "unknown_topic")

            let slow = await host.call("example_sleep", ["ms": 60_000], timeout: .milliseconds(50))
            #expect(slow["code"] == "timeout")
        }
    }

    @Test("a bad config fails the load with the plugin's typed error")
    func greeterBadConfig() async throws {
        let host = try TestHost()
        #expect { try host.load(GreeterPlugin.self, config: ["default_language": "xx"]) } throws: { error in
            (error as? TestKitError)?.code == .initFailed && "\(error)".contains("bad_config")
        }
        await host.shutdown()
    }

    @Test("the C counter, built by a plain C compiler, loads from its file and counts")
    func cCounter() async throws {
        // The package root: from the environment when the tests run from a copy (scripts/test runs
        // them again as an unprivileged user), else from this file's path.
        let root = getenv("AGENT_PACKAGE_ROOT").map { String(cString: $0) } ?? String(#filePath.split(separator: "/Tests/").first ?? "")
        let out = "/tmp/agent-plugintests-\(getpid())-counter.so"
        let build = try CommandRunner.run(["/bin/bash", root + "/Plugins/Examples/CCounter/build.sh", out])
        #expect(build.status == 0, "\(build.stderr)")
        try await TestHost.with { host in
            let plugin = try host.load(library: out)
            #expect(plugin.id == "com.example.counter-c")
            #expect(plugin.toolchain == "none")
            #expect(await host.call("example_counter", ["increment": 2])["count"] == 2)
            host.setFeature("example_counter_double", true)
            #expect(await host.call("example_counter", ["increment": 2])["count"] == 6)
            // The plugin's own typed error, built with agent_plugin_helpers.h.
            let refused = await host.call("example_counter", ["increment": 1e13])
            #expect(refused["code"] == "bad_increment")
            #expect(refused["field"] == "increment")
            // Plugin to plugin through the registry: the greeter reads the C counter.
            try host.load(GreeterPlugin.self)
            let relayed = await host.call("example_relay_count")
            #expect(relayed["count"] == 6)
            #expect(relayed["via"] == "registry")
        }
        unlink(out)
    }
}

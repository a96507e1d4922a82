import AgentCore
import AgentJSON
import CAgentABI
import Foundation
import LabSupport
import Testing

/// The `orchestrator-agent` executable, run as a user would.
@Suite("orchestrator-agent command line", .labThreads)
struct CLITests {
    let binary = BuildProducts.executable("orchestrator-agent")

    @Test("--version prints the agent version")
    func version() throws {
        let r = try run(binary, ["--version"])
        #expect(r.code == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Agent.version)
    }

    @Test("plugins pin prints a config entry with the file's id and sha256; list --json loads it")
    func pinAndList() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let pin = try run(binary, ["plugins", "pin", path])
        #expect(pin.code == 0)
        let entries = try JSONParser.parse(pin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue ?? []
        #expect(entries.first?.objectValue?["id"] == "com.example.greeter-swift")
        #expect(entries.first?.objectValue?["sha256"] == .string(try PluginInspector.sha256(path: path)))
        let config = try lab.writeConfig(entries)
        let list = try run(binary, ["plugins", "list", "--json", "--config", config])
        #expect(list.code == 0)
        let records = try JSONParser.parse(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).arrayValue ?? []
        #expect(records.first?.objectValue?["state"] == "loaded")
        #expect(records.first?.objectValue?["abi"] == .string("\(AGENT_ABI_MAJOR).\(AGENT_ABI_MINOR)"))  // the SDK's ABI, today 1.2
        let table = try run(binary, ["plugins", "list", "--config", config])
        #expect(table.stdout.contains("com.example.greeter-swift"))
        #expect(table.stdout.contains("example_hello,") && table.stdout.contains("example_emit_later"))
    }

    @Test("plugins verify passes a good file and fails a broken one with its reason")
    func verify() throws {
        let lab = try PluginLab()
        let good = try lab.install("agent-example-swift")
        let bad = try lab.install("agent-fixture-abi-major2")
        let ok = try run(binary, ["plugins", "verify", good])
        #expect(ok.code == 0)
        let notOK = try run(binary, ["plugins", "verify", good, bad])
        #expect(notOK.code == 1)
        #expect(notOK.stdout.contains("abi_major_unsupported"))
    }

    @Test("--version --verbose names the plugin ABI and the exact toolchain a Swift plugin must be built with")
    func versionVerbose() throws {
        let r = try run(binary, ["--version", "--verbose"])
        #expect(r.code == 0)
        #expect(r.stdout.contains("plugin ABI: \(PluginCompatibility.abi)"))
        #expect(r.stdout.contains("Swift toolchain: \(PluginCompatibility.toolchain)"))
        #expect(PluginCompatibility.toolchain.hasPrefix("swift-"))
    }

    @Test("plugins list exits 1 when a plugin is refused (0 with --allow-refused); the reason is wrapped below the table")
    func listRefused() throws {
        let lab = try PluginLab()
        let good = try lab.install("agent-example-swift")
        let bad = try lab.install("agent-fixture-toolchain")
        let config = try lab.writeConfig([
            try lab.entry(id: "com.example.greeter-swift", path: good), try lab.entry(id: "test.fixture.toolchain", path: bad),
        ])
        let r = try run(binary, ["plugins", "list", "--config", config])
        #expect(r.code == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("test.fixture.toolchain") && $0.contains("refused: toolchain_mismatch") }, "\(r.stdout)")
        #expect(lines.contains { $0.contains("com.example.greeter-swift") && $0.contains("swift-") && $0.contains("loaded") })
        #expect(lines.allSatisfy { $0.count <= 160 }, "\(lines.map(\.count))")
        #expect(r.stdout.contains("--version --verbose"), "the refusal names the fix")
        let allowed = try run(binary, ["plugins", "list", "--allow-refused", "--config", config])
        #expect(allowed.code == 0)
    }

    @Test("plugins list exits 0 when the only plugin not loaded is denied by plugins.deny (as configured), 1 when another is refused too")
    func listDenied() throws {
        let lab = try PluginLab()
        let good = try lab.install("agent-example-swift")
        let bad = try lab.install("agent-fixture-toolchain")
        let denied = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: good), try lab.entry(id: "test.fixture.toolchain", path: bad)],
            deny: ["test.fixture.toolchain"])
        let r = try run(binary, ["plugins", "list", "--config", denied])
        #expect(r.code == 0, "\(r.output)")
        #expect(r.stdout.split(separator: "\n").contains { $0.contains("test.fixture.toolchain") && $0.contains("refused: denied") }, "\(r.stdout)")
        #expect(!r.output.contains(" error "), "a denied plugin is no error: \(r.output)")
        let both = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: good), try lab.entry(id: "test.fixture.toolchain", path: bad)],
            deny: ["com.example.greeter-swift"])
        #expect(try run(binary, ["plugins", "list", "--config", both]).code == 1, "the toolchain refusal still fails the listing")
    }

    @Test("invoke prints the response JSON and the emitted events; --fail-on-error sets the exit code")
    func invoke() throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let config = try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)])
        let ok = try run(binary, ["invoke", "--config", config, "example_hello", #"{"name":"op","correlation_id":1}"#])
        #expect(ok.code == 0)
        let response = try JSONParser.parse(ok.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue
        #expect(response?["greeting"] == "Hello, op!")
        #expect(ok.output.contains(#"event greeting {"name":"op","count":1}"#))
        let fromStdin = try run(binary, ["invoke", "--config", config, "example_hello", "-"], stdin: #"{"name":"in"}"#)
        #expect(fromStdin.stdout.contains("Hello, in!"))
        let bad = try run(binary, ["invoke", "--fail-on-error", "--config", config, "example_hello", "[]"])
        #expect(bad.code == 3)
        #expect(bad.stdout.contains("invalid_payload"))
    }

    @Test("run: SIGHUP reloads the config, SIGTERM shuts down gracefully")
    func daemonSignals() async throws {
        let lab = try PluginLab()
        let path = try lab.install("agent-example-swift")
        let config = try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: path)])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["run", "--config", config, "--log-level", "info"]
        let err = Pipe()
        // The daemon logs to standard output (docs/logging-metrics.md); errors before that go to stderr.
        p.standardOutput = err
        p.standardError = err
        try p.run()
        let log = LogCollector(err.fileHandleForReading)
        #expect(await log.waitFor("agent running", seconds: 10))
        // A second agent process on the same state dir is refused with a clear error.
        let second = try run(binary, ["invoke", "--config", config, "example_hello", #"{"name":"x"}"#])
        #expect(second.code != 0)
        #expect(second.output.contains("in use by another agent process"))
        kill(p.processIdentifier, SIGHUP)
        #expect(await log.waitFor("site config reloaded", seconds: 10))
        kill(p.processIdentifier, SIGTERM)
        #expect(await log.waitFor("agent stopped", seconds: 10))
        #expect(waitExit(p, seconds: 15) == 0)
    }

    @Test("a missing or invalid config is a clear error, not a crash")
    func badConfig() throws {
        let r = try run(binary, ["plugins", "list", "--config", "/nonexistent/site.json"])
        #expect(r.code != 0)
        #expect(r.output.contains("config_invalid"))
        #expect(r.output.contains("cannot read site config '/nonexistent/site.json': No such file or directory"), "\(r.output)")
        #expect(!r.output.contains("NSCocoaErrorDomain"), "\(r.output)")
        let folder = try run(binary, ["plugins", "list", "--config", "/"])
        #expect(folder.output.contains("cannot read site config '/': Is a directory"), "\(folder.output)")
    }
}

import AgentCore
import AgentJSON
import Foundation
import Logging
import LabSupport
import Testing

@Suite("Logging: levels per plugin, settings", .labThreads)
struct LoggingPluginLevelTests {
    /// Loads the C counter and the Swift greeter with `logging` from the site config, logging
    /// through the daemon's handler into the lab's state folder; sends one counter command.
    /// - Returns: the lines of agent.log after shutdown.
    func runAgent(logging: JSONObject) async throws -> [String] {
        let lab = try PluginLab()
        let config = try lab.writeConfig(
            [
                try lab.entry(id: "com.example.counter-c", path: try lab.installCPlugin()),
                try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift")),
            ], extra: ["logging": .object(logging)])
        let site = try SiteConfig.load(path: config)
        let settings = try LogSettings.parse(site.raw)
        let log = DaemonLog.open(settings: settings, stateDirectory: lab.stateDir, stdout: false)
        let agent = try Agent(config: ConfigSource(site, path: config), logger: log.logger)
        #expect(agent.plugins.map(\.state.code) == ["loaded", "loaded"])
        let answer = await agent.send("example_counter", #"{"increment":1}"#)
        #expect(answer["count"] == 1)
        await agent.shutdown()
        log.sink.close()
        return try String(contentsOfFile: lab.stateDir + "/logs/agent.log", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    @Test("a plugin at debug logs debug while the core stays at info; a plugin at error is quiet")
    func perPluginLevels() async throws {
        let lines = try await runAgent(logging: [
            "level": "info", "plugins": ["com.example.counter-c": "debug", "com.example.greeter-swift": "error"],
        ])
        // The C plugin's debug line (host log level 1) and its info line at init.
        #expect(lines.contains { $0.contains(" debug    [com.example.counter-c] counter is now 1") })
        #expect(lines.contains { $0.contains(" info     [com.example.counter-c] C counter plugin initialised") })
        // The greeter's info line at init is below its level.
        #expect(!lines.contains { $0.contains("greeter ready") })
        // The core's own debug lines (one per plugin at shutdown) stay filtered at info.
        #expect(!lines.contains { $0.contains("shutting plugin down") })
    }

    @Test("without a plugin level a plugin logs at the core's level")
    func inheritedLevel() async throws {
        let lines = try await runAgent(logging: ["level": "info"])
        #expect(lines.contains { $0.contains(" info     [com.example.greeter-swift] greeter ready") })
        #expect(!lines.contains { $0.contains("counter is now") })
    }

    @Test("the core at debug shows its own debug lines (the filter above is the level, not a missing line)")
    func coreDebug() async throws {
        let lines = try await runAgent(logging: ["level": "debug", "plugins": ["com.example.counter-c": "warning"]])
        #expect(lines.contains { $0.contains("shutting plugin down") })
        #expect(!lines.contains { $0.contains("counter is now") || $0.contains("C counter plugin initialised") })
    }

    struct Bad: Sendable, CustomStringConvertible {
        let logging: JSONValue
        let field: String
        var description: String { field }
    }

    static let badSettings: [Bad] = [
        Bad(logging: 3, field: "logging"),
        Bad(logging: ["max_files": 0], field: "logging.max_files"),
        Bad(logging: ["max_files": 101], field: "logging.max_files"),
        Bad(logging: ["max_files": 2.5], field: "logging.max_files"),
        Bad(logging: ["max_bytes": 4095], field: "logging.max_bytes"),
        Bad(logging: ["format": "xml"], field: "logging.format"),
        Bad(logging: ["level": "loud"], field: "logging.level"),
        Bad(logging: ["file": "yes"], field: "logging.file"),
        Bad(logging: ["plugins": ["io.autonomy.runtime": "chatty"]], field: "logging.plugins.io.autonomy.runtime"),
        Bad(logging: ["colour": true], field: "logging.colour"),
    ]

    @Test("bad logging settings are config_invalid naming the field", arguments: badSettings)
    func badSettingsAreRefused(_ bad: Bad) {
        #expect {
            try LogSettings.parse(["logging": bad.logging])
        } throws: { error in
            let e = error as? AgentCoreError
            return e?.code == .configInvalid && e?.field == bad.field
        }
    }

    @Test("defaults, a full section, and the command line's overrides")
    func goodSettings() throws {
        #expect(try LogSettings.parse([:]) == LogSettings())
        let s = try LogSettings.parse([
            "logging": [
                "level": "warning", "format": "json", "file": false, "max_bytes": 4096, "max_files": 100,
                "plugins": ["a": "trace"],
            ]
        ])
        #expect(s.level == .warning && s.format == .json && !s.file && s.maxBytes == 4096 && s.maxFiles == 100)
        #expect(s.plugins == ["a": .trace])
        let cli = try s.overriding(level: "debug", format: "plain")
        #expect(cli.level == .debug && cli.format == .plain && cli.maxFiles == 100)
        #expect(try s.overriding(level: nil, format: nil) == s)
        #expect { try s.overriding(level: "verbose", format: nil) } throws: { ($0 as? AgentCoreError)?.field == "--log-level" }
        #expect { try s.overriding(level: nil, format: "xml") } throws: { ($0 as? AgentCoreError)?.field == "--log-format" }
        #expect(LogSettings.pluginLevel(for: "a", in: ["logging": ["plugins": ["a": "trace"]]]) == .trace)
        #expect(LogSettings.pluginLevel(for: "a", in: ["logging": ["plugins": ["a": "nope"]]]) == nil)
    }
}

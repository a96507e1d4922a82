import AgentCore
import AgentJSON
import ArgumentParser
import FoundationEssentials

/// `orchestrator-agent plugins list|verify|pin|new`.
struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, verify, pin and make plugins.", subcommands: [List.self, Verify.self, Pin.self, PluginNew.self])

    /// Loads the site's plugins as the daemon would and prints the inventory.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the site's plugins as the daemon would and print id, version, ABI, toolchain, sha256, state, topics.",
            discussion:
                "Exits 0 when every plugin loaded or is denied by plugins.deny (as configured), 1 when one was refused otherwise or failed (--allow-refused: 0 anyway)."
        )

        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Flag(help: "Exit 0 even when a plugin was refused or failed.") var allowRefused = false

        func run() async throws {
            let agent = try Agent(configPath: options.config, logger: try options.makeLogger())
            if json {
                print(JSONWriter.string(.array(agent.plugins.map(\.json))))
            } else {
                print(PluginTable.render(agent.plugins))
            }
            await agent.shutdown()
            if !allowRefused, agent.plugins.contains(where: { !$0.state.isLoadedOrDenied }) { throw ExitCode(1) }
        }
    }

    /// Checks plugin files without loading them into the daemon.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check plugin files (permissions, owner, ABI handshake, toolchain; pin and id with --config).",
            discussion: "Shows each file's ABI and toolchain next to the agent's (`orchestrator-agent --version --verbose`); exits 1 when one fails.")

        @Option(name: .shortAndLong, help: "Also check each file against its entry (sha256, id) in this site config.")
        var config: String?
        @Argument(help: "Plugin files.") var files: [String]

        func run() throws {
            let entries = try config.map { try SiteConfig.load(path: $0).plugins } ?? []
            var records: [PluginRecord] = []
            for file in files {
                let absolute = absolutePath(file)
                let entry = entries.first { $0.path == absolute }
                records.append(
                    PluginInspector.inspect(path: absolute, expectedSHA256: entry?.sha256, expectedID: entry?.id))
            }
            print(PluginTable.render(records))
            print("agent: ABI \(PluginCompatibility.abi), toolchain \(PluginCompatibility.toolchain)")
            if records.contains(where: { $0.state != .loaded }) { throw ExitCode(1) }
        }
    }

    /// Prints site-config entries (id, path, sha256) for plugin files.
    struct Pin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the site-config entry (id, path, sha256) of each plugin file.")

        @Argument(help: "Plugin files.") var files: [String]

        func run() throws {
            var entries: [JSONValue] = []
            for file in files {
                let absolute = absolutePath(file)
                let record = PluginInspector.inspect(path: absolute)
                guard record.state == .loaded, let sha = record.sha256 else {
                    throw ValidationError("\(file): \(record.state)")
                }
                entries.append(["id": .string(record.id), "path": .string(absolute), "sha256": .string(sha)])
            }
            print(JSONWriter.string(.array(entries)))
        }
    }
}

/// `path` made absolute against the working directory, without resolving symlinks (the
/// loader must see a symlink to refuse it).
func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}

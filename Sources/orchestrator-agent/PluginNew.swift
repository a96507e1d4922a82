import AgentCore
import ArgumentParser
import FoundationEssentials

/// `orchestrator-agent plugin new NAME --swift|--c`: a buildable plugin package with one topic,
/// its contract, a test on the SDK's test kit (Swift) and a README, in a new folder.
struct PluginNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Make a new plugin package (one topic, a contract, a test on the test kit, a README).",
        discussion: "Swift: `swift test` runs its tests without an agent; `swift build -c release` makes the library. C: `./build.sh`.")

    @Argument(help: "Package name: lower-case letters, digits and '-', starting with a letter (e.g. acme-valve).")
    var name: String

    @Flag(help: "The language of the plugin.") var language: Language = .swift

    @Option(help: "Plugin id (reverse DNS). Default: com.example.<name>.") var id: String?

    @Option(help: "The plugin SDK package (Swift) / its C headers' parent (C). Default: the installed SDK.")
    var sdk: String = PluginNew.installedSDK

    @Option(help: "Where to make the folder <name>.") var into: String = "."

    enum Language: String, EnumerableFlag {
        case swift, c
    }

    /// Where packages install the SDK (docs/plugins.md).
    static let installedSDK = "/usr/share/orchestrator-agent/sdk"

    func run() throws {
        guard name.wholeMatch(of: /[a-z][a-z0-9-]{0,62}/) != nil, !name.hasSuffix("-") else {
            throw ValidationError("'\(name)': a package name is 1–63 lower-case letters, digits and '-', starting with a letter")
        }
        let pluginID = id ?? "com.example.\(name)"
        guard pluginID.wholeMatch(of: /[A-Za-z0-9]+(\.[A-Za-z0-9-]+)+/) != nil else {
            throw ValidationError("'\(pluginID)': a plugin id is reverse DNS, e.g. com.acme.valve")
        }
        let sdkPath = absolutePath(sdk)
        let include = sdkPath + "/CAgentABI/include"
        guard FileManager.default.fileExists(atPath: include + "/agent_plugin.h") else {
            throw ValidationError("no plugin SDK at '\(sdkPath)' (\(include)/agent_plugin.h is missing); pass --sdk PATH")
        }
        let folder = absolutePath(into) + "/" + name
        guard !FileManager.default.fileExists(atPath: folder) else {
            throw ValidationError("'\(folder)' exists; choose another name or --into")
        }
        let words = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        let values = [
            "{{NAME}}": name, "{{MODULE}}": words.joined(), "{{ID}}": pluginID,
            "{{TOPIC}}": name.replacing("-", with: "_") + "_hello", "{{SDK}}": sdkPath, "{{INCLUDE}}": include,
        ]
        func fill(_ text: String) -> String { values.reduce(text) { $0.replacing($1.key, with: $1.value) } }
        for (path, text) in language == .swift ? PluginTemplates.swift : PluginTemplates.c {
            let file = folder + "/" + fill(path)
            try FileManager.default.createDirectory(
                atPath: PathText.parent(of: file), withIntermediateDirectories: true)
            try fill(text).write(toFile: file, atomically: true, encoding: .utf8)
            if path.hasSuffix(".sh") { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        }
        print("made \(folder) (\(language.rawValue), plugin id \(pluginID), topic \(values["{{TOPIC}}"] ?? ""))")
        print(language == .swift ? "next: cd \(folder) && swift test && swift build -c release" : "next: \(folder)/build.sh")
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

/// The target graph is the layering, read from the manifest as SwiftPM evaluates it
/// (`swift package dump-package`), not from its text:
///
/// - a plugin is a folder under `Plugins/` (`Plugins/Examples/<name>` each); `Plugins/Shared`
///   holds plugin-side code more than one plugin links;
/// - no plugin-side target (a plugin's, a shared one, a test fixture plugin) reaches, directly or
///   through others, a target of the core: only the SDK and the small value libraries it
///   exports (`AgentPluginKit`, `AgentJSON`, `AgentContracts`, `AgentClock`, `CAgentABI`);
/// - no plugin's target reaches another plugin's;
/// - the netmon sidecar (`Sources/Netmon`) reaches neither the core nor a plugin.
@Suite("Package layering")
struct LayeringTests {
    /// What plugin-side code may link from `Sources/`.
    static let sdk: Set<String> = ["AgentPluginKit", "AgentJSON", "AgentContracts", "AgentClock", "CAgentABI"]

    struct Target {
        let name: String
        let path: String
        let dependencies: [String]
        /// Products of other packages it depends on: `package/product`.
        var products: [String] = []
    }

    /// The package's own targets, by name, with their dependencies on other own targets.
    static func targets() throws -> [String: Target] {
        let scratch = NSTemporaryDirectory() + "layering-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }  // harmless: a temp folder
        // A scratch folder of its own: the running `swift test` holds the package's .build lock.
        let dump = try CommandRunner.check(
            ["swift", "package", "--package-path", BuildProducts.packageRoot, "--scratch-path", scratch, "dump-package"], timeout: 120)
        let manifest = try JSONParser.parse(Array(dump.utf8))
        var out: [String: Target] = [:]
        for t in manifest.objectValue?["targets"]?.arrayValue ?? [] {
            guard let o = t.objectValue, let name = o["name"]?.stringValue else { continue }
            let deps = (o["dependencies"]?.arrayValue ?? []).compactMap { d -> String? in
                let e = d.objectValue
                return (e?["byName"] ?? e?["target"])?.arrayValue?.first?.stringValue
            }
            let products = (o["dependencies"]?.arrayValue ?? []).compactMap { d -> String? in
                guard let p = d.objectValue?["product"]?.arrayValue, let product = p.first?.stringValue else { return nil }
                return "\(p.count > 1 ? p[1].stringValue ?? "?" : "?")/\(product)"
            }
            // A target without a path has SwiftPM's default one.
            let folder = o["type"]?.stringValue == "test" ? "Tests" : "Sources"
            out[name] = Target(name: name, path: o["path"]?.stringValue ?? "\(folder)/\(name)", dependencies: deps, products: products)
        }
        return out
    }

    /// Every own target `name` reaches through its dependencies (not itself).
    static func reach(_ name: String, in targets: [String: Target]) -> Set<String> {
        var seen: Set<String> = []
        var todo = targets[name]?.dependencies ?? []
        while let next = todo.popLast() {
            guard targets[next] != nil, seen.insert(next).inserted else { continue }
            todo += targets[next]?.dependencies ?? []
        }
        return seen
    }

    /// The plugin a path belongs to (`Plugins/<name>`, `Plugins/Examples/<name>`); nil outside
    /// plugins and for `Plugins/Shared`.
    static func plugin(of path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts[0] == "Plugins", parts[1] != "Shared" else { return nil }
        return parts[1] == "Examples" && parts.count >= 3 ? "Examples/" + parts[2] : parts[1]
    }

    @Test("no plugin-side target reaches the core, no plugin reaches another, the sidecar reaches neither")
    func layering() throws {
        let all = try Self.targets()
        let pluginSide = all.values.filter { $0.path.hasPrefix("Plugins/") || $0.path.hasPrefix("Tests/Fixtures/") }
        let plugins = Set(pluginSide.compactMap { Self.plugin(of: $0.path) })
        // The graph is read, not listed: every first-party plugin is in it.
        #expect(
            plugins.isSuperset(of: ["MTLSTransport", "HostTopics", "DockerDriver", "Runtime", "Netmon", "Examples/SwiftGreeter"]),
            "\(plugins.sorted())")
        for t in pluginSide {
            for dep in Self.reach(t.name, in: all) {
                guard let d = all[dep] else { continue }
                if d.path.hasPrefix("Sources/") {
                    #expect(Self.sdk.contains(dep), "\(t.name) (\(t.path)) reaches \(dep) (\(d.path)): plugins link only the SDK")
                }
                if let mine = Self.plugin(of: t.path), let theirs = Self.plugin(of: d.path) {
                    #expect(mine == theirs, "\(t.name) (plugin \(mine)) reaches \(dep) of the plugin \(theirs): share it under Plugins/Shared")
                }
            }
        }
        let sidecar = all.values.filter { $0.path.hasPrefix("Sources/Netmon") }
        #expect(sidecar.count >= 3, "\(sidecar.map(\.name))")
        for t in sidecar {
            for dep in Self.reach(t.name, in: all) {
                let path = all[dep]?.path ?? ""
                #expect(
                    path.hasPrefix("Sources/Netmon") || path.hasPrefix("Plugins/Shared/") || dep == "AgentJSON",
                    "the sidecar's \(t.name) reaches \(dep) (\(path))")
            }
        }
    }

    /// Products a target of the agent's process may depend on directly: the shared library, the
    /// SDK's linker export list and C header, and the executable's own outside libraries. A direct
    /// dependency on a module the shared library holds (swift-nio, swift-log, an SDK module, …)
    /// would link a second, static copy (docs/architecture.md, "One copy of each library").
    static let allowedProducts: Set<String> = [
        "AgentShared/AgentShared", "AgentPluginSDK/AgentPluginExports", "AgentPluginSDK/CAgentABI",
        "swift-crypto/Crypto", "swift-crypto/_CryptoExtras", "swift-certificates/X509", "swift-asn1/SwiftASN1",
        "swift-argument-parser/ArgumentParser",
    ]

    @Test("every target reaches the shared modules only through the shared library")
    func sharedModulesOnlyThroughTheSharedLibrary() throws {
        let all = try Self.targets()
        let direct = all.values.flatMap { t in t.products.filter { !Self.allowedProducts.contains($0) }.map { "\(t.name) → \($0)" } }
        #expect(direct.isEmpty, "direct dependencies on modules the shared library holds: \(direct.sorted())")
        #expect(all.values.contains { $0.products.contains("AgentShared/AgentShared") }, "no target uses the shared library: is the dump read?")
    }

    @Test("the rule can fail: a plugin reaching the core through a shared target is seen")
    func ruleCatchesIndirectReach() {
        let fake: [String: Target] = [
            "P": Target(name: "P", path: "Plugins/P", dependencies: ["S"]),
            "S": Target(name: "S", path: "Plugins/Shared/S", dependencies: ["AgentCore"]),
            "AgentCore": Target(name: "AgentCore", path: "Sources/AgentCore", dependencies: []),
        ]
        #expect(Self.reach("P", in: fake) == ["S", "AgentCore"])
        #expect(Self.plugin(of: "Plugins/Examples/CCounter") == "Examples/CCounter")
        #expect(Self.plugin(of: "Plugins/Shared/HostMetrics") == nil)
    }
}

import Foundation
import LabSupport
import Testing

/// One copy of each library in the agent's process (docs/architecture.md, "One copy of each
/// library"): in the staged layout, the global symbols of swift-nio, swift-nio-ssl, swift-log,
/// swift-service-lifecycle and the SDK's modules are defined by `libAgentShared.so` alone, and no
/// two images the process loads define the same one.
@Suite(.requires(Packaging.productsBuilt, "the agent and the plugin products must be built"))
struct SharedLibraryTests {
    /// Mangled-name prefixes (`$s<length><module>`) of the modules that must live once.
    static let sharedModules = [
        "NIOCore", "NIOPosix", "NIOHTTP1", "NIOSSL", "NIOWebSocket", "NIOExtras", "Logging", "ServiceLifecycle",
        "AgentJSON", "AgentContracts", "AgentClock", "AgentStore", "AgentPluginKit",
    ]

    /// The global (exported) symbols `path` defines, from `nm --defined-only --extern-only`.
    static func globalSymbols(_ path: String) throws -> Set<String> {
        let out = try Packaging.run(["nm", "--defined-only", "--extern-only", "--format=just-symbols", path])
        return Set(out.split(separator: "\n").map(String.init))
    }

    /// Those of `symbols` that belong to one of the shared modules.
    static func ofSharedModules(_ symbols: Set<String>) -> Set<String> {
        let prefixes = sharedModules.map { "$s\($0.utf8.count)\($0)" }
        return symbols.filter { s in prefixes.contains { s.hasPrefix($0) } }
    }

    /// The images of the agent's process in the layout: the executable, the plugins, the shared library.
    static func images(_ layout: String) -> (shared: String, others: [String]) {
        let lib = layout + "/usr/lib/orchestrator-agent"
        let plugins = Packaging.pluginProducts.map { "\(lib)/plugins/lib\($0).so" }
        return (lib + "/swift/libAgentShared.so", [layout + "/usr/bin/orchestrator-agent"] + plugins)
    }

    @Test("only libAgentShared.so defines the shared modules' symbols; no two images define the same one")
    func oneCopyOfEachSharedModule() async throws {
        let layout = try await DockerLab.blocking { try Packaging.agentLayout() }
        let (shared, others) = Self.images(layout)
        let sharedSymbols = Self.ofSharedModules(try Self.globalSymbols(shared))
        #expect(sharedSymbols.count > 5000, "libAgentShared.so defines only \(sharedSymbols.count) symbols of the shared modules")
        var seen: [String: String] = [:]
        for image in others {
            let symbols = try Self.globalSymbols(image)
            let copies = Self.ofSharedModules(symbols)
            #expect(copies.isEmpty, "\(image) defines \(copies.count) symbols of a shared module, e.g. \(copies.sorted().prefix(3))")
            // Each plugin exports its entry point and nothing else (the SDK's plugin.map).
            for symbol in symbols where !symbol.hasPrefix("agent_plugin_entry_v") {
                if let other = seen[symbol] { Issue.record("\(symbol) is defined by \(other) and \(image)") }
                seen[symbol] = image
            }
        }
        // Every image the process maps from the layout needs the shared library, and finds it there.
        for image in others {
            let needed = try Packaging.run(["readelf", "-d", image])
            #expect(needed.contains("[libAgentShared.so]"), "\(image) does not link libAgentShared.so")
        }
    }

    @Test("the check sees a copy: the statically linked sidecar holds AgentJSON itself", .timeLimit(.minutes(30)))
    func theCheckSeesACopy() async throws {
        // The sidecar is a separate process and links the SDK's modules statically on purpose
        // (Package.swift, AGENT_STATIC_SIDECAR); measured as if it were an image of the agent's
        // process, the check must report it.
        let layout = try await DockerLab.blocking { try Packaging.netmonLayout() }
        let copies = Self.ofSharedModules(try Self.globalSymbols(layout + "/usr/bin/autonomy-netmon"))
        #expect(copies.contains { $0.hasPrefix("$s9AgentJSON") }, "no AgentJSON symbol found in the static sidecar: is nm reading it?")
    }
}

import Foundation
import Testing

/// The target graph is the layering: plugins and the SDK never depend on the core.
@Suite("Package layering")
struct LayeringTests {
    static let pluginTargets = ["ExampleSwiftPlugin", "MTLSTransport", "HostTopics", "DockerDriver", "RuntimeTopics"]

    @Test("no plugin target or the SDK depends on AgentCore, and plugins do not depend on each other")
    func layering() throws {
        let manifest = try String(contentsOfFile: BuildProducts.packageRoot + "/Package.swift", encoding: .utf8)
        // Each `.target(` block: name and dependency list (the manifest keeps one target per block).
        let blocks = manifest.components(separatedBy: ".target(").dropFirst()
        var checked = 0
        for block in blocks {
            guard let nameRange = block.range(of: #"name: "([^"]+)""#, options: .regularExpression) else { continue }
            let name = String(block[nameRange]).replacingOccurrences(of: "name: ", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let body: String
            if let deps = block.range(of: #"dependencies: \[[^\]]*\]"#, options: .regularExpression) {
                body = String(block[deps])
            } else {
                body = ""
            }
            let isPluginSide =
                Self.pluginTargets.contains(name) || ["AgentPluginKit", "SocketIOCore", "HostMetrics", "HTTP1Client", "DockerEngine", "RuntimeModel"].contains(name)
                || name.hasPrefix("Fixture")
            guard isPluginSide else { continue }
            checked += 1
            #expect(!body.contains("\"AgentCore\""), "\(name) must not depend on AgentCore")
            #expect(!body.contains("\"AgentStore\""), "\(name) must not depend on AgentStore")
            for other in Self.pluginTargets where other != name {
                #expect(!body.contains("\"\(other)\""), "\(name) must not depend on the plugin \(other)")
            }
        }
        #expect(checked >= 8)
    }
}

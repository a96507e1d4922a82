import Foundation
import LabSupport
import Testing

/// No shipped binary needs Foundation or ICU (docs/architecture.md, "No Foundation, no ICU"):
/// `ldd` on the agent, its five plugins and the sidecar, as built, lists none of the libraries
/// full Foundation brings (`libFoundation.so` → `libFoundationInternationalization.so` →
/// `lib_FoundationICU.so`, 39 MB of ICU data). `FoundationEssentials` is allowed.
enum FoundationLinks {
    /// The libraries no shipped binary may need, by soname.
    static let forbidden = ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"]

    /// The shipped binaries in the build folder: the agent, its shared library, the plugins the
    /// layout ships, the sidecar.
    static var shipped: [String] {
        ["orchestrator-agent", "autonomy-netmon", "libAgentShared.so"] + Packaging.pluginProducts.map { "lib\($0).so" }
    }

    /// The forbidden libraries `path` needs, directly or through what it needs (ldd lists the
    /// whole closure), as `<file>: <library>` lines.
    static func offenders(_ path: String) throws -> [String] {
        let listing = try Packaging.run(["ldd", path])
        // `\tlibFoundation.so => /…/libFoundation.so (0x…)`: the soname first.
        let needed = listing.split(separator: "\n").compactMap { $0.split(whereSeparator: \.isWhitespace).first.map(String.init) }
        let name = (path as NSString).lastPathComponent
        return needed.filter { forbidden.contains(($0 as NSString).lastPathComponent) }.map { "\(name): \($0)" }
    }
}

@Suite(.requires(Packaging.productsBuilt, "the agent and the plugin products must be built"))
struct FoundationFreeTests {
    @Test func noShippedBinaryNeedsFoundationOrICU() async throws {
        let found = try await DockerLab.blocking {
            try FoundationLinks.shipped.flatMap { file -> [String] in
                let path = Packaging.buildDirectory + "/" + file
                guard FileManager.default.fileExists(atPath: path) else { return ["\(file): not built"] }
                return try FoundationLinks.offenders(path)
            }
        }
        #expect(found.isEmpty, "needs Foundation or ICU (import FoundationEssentials instead): \(found.joined(separator: "; "))")
    }

    /// The check can fail: the load bench (`agent-bench`, not shipped, may import Foundation)
    /// needs the whole chain, and the check names it.
    @Test func theCheckSeesFoundationInTheBenchTool() async throws {
        let bench = Packaging.buildDirectory + "/agent-bench"
        try #require(FileManager.default.isExecutableFile(atPath: bench), "agent-bench is not built in \(Packaging.buildDirectory)")
        let found = try await DockerLab.blocking { try FoundationLinks.offenders(bench) }
        #expect(Set(found) == Set(FoundationLinks.forbidden.map { "agent-bench: \($0)" }), "\(found)")
    }
}

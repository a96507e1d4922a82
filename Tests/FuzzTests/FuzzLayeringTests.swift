import Foundation
import Testing

/// The fuzz targets are test code: no product and no product target may depend on them (only
/// the fuzz driver and this test target do), so nothing shipped imports a fuzz harness.
@Suite("Fuzz: layering")
struct FuzzLayeringTests {
    @Test func onlyTheDriverAndTheTestsDependOnFuzzTargets() throws {
        let path = CorpusFiles.root.appendingPathComponent("../../Package.swift").standardized.path
        let manifest = try String(contentsOfFile: path, encoding: .utf8)
        let declaration = /\.(?:target|executableTarget|testTarget)\(\s*name: "([^"]+)"/
        let matches = manifest.matches(of: declaration)
        #expect(matches.count > 20, "the manifest's targets were not found")
        var dependents: [String] = []
        for (i, match) in matches.enumerated() {
            let end = i + 1 < matches.count ? matches[i + 1].range.lowerBound : manifest.endIndex
            let name = String(match.output.1)
            if name != "FuzzTargets", manifest[match.range.upperBound..<end].contains("\"FuzzTargets\"") { dependents.append(name) }
        }
        #expect(dependents.sorted() == ["FuzzDriver", "FuzzTests"])
        // No product ships them either.
        let products = manifest[..<(manifest.range(of: "targets: [\n")?.lowerBound ?? manifest.startIndex)]
        #expect(!products.contains("Fuzz"))
    }
}

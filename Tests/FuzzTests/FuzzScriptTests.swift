import Foundation
import FuzzTargets
import Testing

/// `scripts/fuzz` runs the same targets the registry has (its list is plain bash).
@Suite("Fuzz: script")
struct FuzzScriptTests {
    @Test func theScriptListsEveryTarget() throws {
        let path = CorpusFiles.root.appendingPathComponent("../../scripts/fuzz").standardized.path
        let script = try String(contentsOfFile: path, encoding: .utf8)
        let list = try #require(script.firstMatch(of: /\ntargets=\(([^)]*)\)/)).output.1
        #expect(list.split(separator: " ").map(String.init) == FuzzTargets.all.map(\.name))
    }
}

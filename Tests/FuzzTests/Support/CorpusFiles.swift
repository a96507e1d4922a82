import Foundation

/// The committed inputs of one target: its seed corpus (`Corpus/<target>/`) and the crash inputs
/// kept forever (`Regressions/<target>/`), both next to this test target's sources.
struct CorpusFiles {
    let target: String

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// `(file name, bytes)` of every file in `folder/<target>`, sorted by name.
    func files(_ folder: String) -> [(name: String, bytes: [UInt8])] {
        let dir = Self.root.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { return nil }
            return (name, [UInt8](data))
        }
    }

    var seeds: [(name: String, bytes: [UInt8])] { files("Corpus") }
    var regressions: [(name: String, bytes: [UInt8])] { files("Regressions") }
}

import Foundation
import Testing

/// No type in the product is over ~400 lines (docs/development.md, "Rules for a change"): a type's
/// declaration and every extension of it in the same module count together, so a class spread
/// over `+Feature` files is measured whole. Read from the source text: a declaration at column 0
/// (`struct`, `class`, `actor`, `enum`, `protocol`, `extension`) runs to its matching brace.
@Suite("Type sizes")
struct TypeSizeTests {
    /// The limit: ~400 lines, with the slack "~" grants.
    static let limit = 420

    static let declaration =
        #"^(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:public|internal|private|fileprivate|package|final|open|indirect|nonisolated)\s+)*(struct|class|actor|enum|protocol|extension)\s+([A-Za-z_][A-Za-z0-9_.]*)"#

    /// Lines per `module/Type`, where module is the folder a target lives in (`Sources/X`,
    /// `Plugins/X`).
    static func sizes(root: String = BuildProducts.packageRoot) throws -> [String: Int] {
        let pattern = try NSRegularExpression(pattern: declaration)
        var sizes: [String: Int] = [:]
        for top in ["Sources", "Plugins"] {
            guard let walker = FileManager.default.enumerator(atPath: root + "/" + top) else { throw LabError("cannot list \(root)/\(top)") }
            while let entry = walker.nextObject() as? String {
                guard entry.hasSuffix(".swift") else { continue }
                let module = top + "/" + (entry.split(separator: "/").first.map(String.init) ?? entry)
                let lines = try String(contentsOfFile: "\(root)/\(top)/\(entry)", encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                var i = 0
                while i < lines.count {
                    let line = lines[i]
                    let range = NSRange(line.startIndex..., in: line)
                    guard let m = pattern.firstMatch(in: line, range: range), let nameRange = Range(m.range(at: 2), in: line) else {
                        i += 1
                        continue
                    }
                    let name = String(line[nameRange]).split(separator: ".").first.map(String.init) ?? ""
                    let end = closingLine(lines, from: i)
                    sizes["\(module)/\(name)", default: 0] += end - i + 1
                    i = end + 1
                }
            }
        }
        return sizes
    }

    /// The line of the brace that closes the declaration starting at `start` (string literals and
    /// line comments left out of the count).
    static func closingLine(_ lines: [String], from start: Int) -> Int {
        var depth = 0
        var opened = false
        for j in start..<lines.count {
            var code = lines[j].replacingOccurrences(of: #""(\\.|[^"\\])*""#, with: "\"\"", options: .regularExpression)
            if let comment = code.range(of: "//") { code = String(code[..<comment.lowerBound]) }
            for ch in code {
                if ch == "{" { depth += 1; opened = true }
                if ch == "}" { depth -= 1 }
            }
            if opened && depth <= 0 { return j }
        }
        return lines.count - 1
    }

    @Test("no type in Sources/ or Plugins/ is over ~400 lines, extensions included")
    func noLargeType() throws {
        let sizes = try Self.sizes()
        let large = sizes.filter { $0.value > Self.limit }.map { "\($0.key): \($0.value) lines" }.sorted()
        #expect(large.isEmpty, "types over \(Self.limit) lines (split them into collaborators):\n\(large.joined(separator: "\n"))")
        #expect(sizes.count > 100, "the scan found \(sizes.count) types: is it reading Sources/ and Plugins/?")
    }

    @Test("the measure counts a type's extensions in other files")
    func countsExtensions() throws {
        let sizes = try Self.sizes()
        let engine = try #require(sizes["Plugins/DockerDriver/DockerEngine"])
        let declaration = try String(contentsOfFile: BuildProducts.packageRoot + "/Plugins/DockerDriver/Engine/Client/DockerEngine.swift", encoding: .utf8)
        #expect(engine > declaration.split(separator: "\n").count, "DockerEngine's +Operations files were not added to it")
    }
}

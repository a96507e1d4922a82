import Foundation
import Testing

/// No swallowed failure in product code: every `try?` in `Sources/` and `Plugins/` carries a
/// comment on the same or the previous line that says why dropping the error is harmless (or
/// where it is handled). A failure that matters is a typed, logged error instead (docs/development.md).
@Suite("Swallowed errors")
struct SwallowedErrorsTests {
    /// Files whose `try?` sites another change is rewriting now. Each entry goes once that change
    /// has landed; the test fails when an entry is no longer needed.
    static let pendingElsewhere: Set<String> = []

    /// `try?` as a keyword (not the end of `entry?`, `retry?`).
    static let tryQuestion = #"(?<![A-Za-z0-9_])try\?"#
    /// A `//` comment (not the `//` of `https://` in a string).
    static let comment = #"(^|[^:])//"#

    /// `path:line: text` of every `try?` with neither a comment on its line nor a comment line
    /// just before it, by file.
    static func uncommented(root: String = BuildProducts.packageRoot, in relativeFolders: [String]) throws -> [String: [String]] {
        var found: [String: [String]] = [:]
        for folder in relativeFolders {
            guard let walker = FileManager.default.enumerator(atPath: root + "/" + folder) else {
                throw LabError("cannot list \(root)/\(folder)")
            }
            while let entry = walker.nextObject() as? String {
                guard entry.hasSuffix(".swift") else { continue }
                let relative = folder + "/" + entry
                let lines = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false)
                for (i, line) in lines.enumerated() {
                    let code = line.drop { $0 == " " }
                    guard !code.hasPrefix("//"), line.range(of: tryQuestion, options: .regularExpression) != nil else { continue }
                    let previous = i > 0 ? lines[i - 1].drop { $0 == " " } : ""
                    guard line.range(of: comment, options: .regularExpression) == nil, !previous.hasPrefix("//") else { continue }
                    found[relative, default: []].append("\(relative):\(i + 1): \(code)")
                }
            }
        }
        return found
    }

    @Test("every try? in Sources/ and Plugins/ says why its failure is harmless")
    func everyTryQuestionIsExplained() throws {
        let found = try Self.uncommented(in: ["Sources", "Plugins"])
        let offending = found.filter { !Self.pendingElsewhere.contains($0.key) }.values.flatMap { $0 }.sorted()
        #expect(
            offending.isEmpty,
            """
            \(offending.count) try? without a comment: make each a handled, logged, typed error, or say on the \
            same or the previous line why the failure is harmless (`// harmless: …`):
            \(offending.joined(separator: "\n"))
            """)
        let settled = Self.pendingElsewhere.filter { found[$0] == nil }.sorted()
        #expect(settled.isEmpty, "no uncommented try? left in \(settled): remove them from pendingElsewhere")
    }

    @Test("the scan finds an uncommented try? and accepts a commented one")
    func scannerSeesBothKinds() throws {
        let folder = "/tmp/swallowed-scan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/Sources", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: a scratch folder
        let text = """
            let a = try? load()
            // harmless: a scratch file
            try? remove()
            try? close()  // harmless: an error path
            let url = "https://example.com"; let b = try? parse(url)
            let entry: Entry? = nil
            let c = try? again()
            """
        try text.write(toFile: folder + "/Sources/Sample.swift", atomically: true, encoding: .utf8)
        let found = try Self.uncommented(root: folder, in: ["Sources"])
        let flagged = (found["Sources/Sample.swift"] ?? []).map { $0.split(separator: ":")[1] }
        #expect(flagged == ["1", "5", "7"])
    }
}

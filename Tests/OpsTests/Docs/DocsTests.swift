import AgentJSON
import Foundation
import LabSupport
import Testing

/// The docs checked against the code: the set the README promises exists, links resolve, JSON
/// examples parse, every `orchestrator-agent <subcommand>` they show exists, every `scripts/…`
/// path they name exists.
@Suite("Docs match the code", .labThreads)
struct DocsTests {
    static let root = DockerLab.packageRoot
    static let required = [
        "architecture", "installation", "security", "networking", "cloud-protocol", "runtime-containers",
        "network-monitor", "logging-metrics", "troubleshooting", "development", "ci-cd", "plugins",
    ]

    static func docs() throws -> [(name: String, text: String)] {
        let dir = root + "/docs"
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".md") }.sorted().map {
            ($0, try String(contentsOfFile: dir + "/" + $0, encoding: .utf8))
        } + [("../README.md", try String(contentsOfFile: root + "/README.md", encoding: .utf8))]
    }

    @Test func theReadmeLinksEveryRequiredDocAndEachExists() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        for name in Self.required {
            #expect(readme.contains("(docs/\(name).md)"), "README links docs/\(name).md")
            #expect(FileManager.default.fileExists(atPath: Self.root + "/docs/\(name).md"), "docs/\(name).md exists")
        }
    }

    @Test func relativeLinksResolve() throws {
        let link = /\]\(([A-Za-z0-9_.\/-]+\.md)(#[^)]*)?\)/
        for (name, text) in try Self.docs() {
            let base = name.hasPrefix("../") ? Self.root : Self.root + "/docs"
            for m in text.matches(of: link) {
                let target = String(m.1)
                if target.hasPrefix("http") { continue }
                #expect(FileManager.default.fileExists(atPath: base + "/" + target), "\(name) links \(target)")
            }
        }
    }

    @Test func jsonExamplesParse() throws {
        for (name, text) in try Self.docs() {
            let blocks = text.components(separatedBy: "```json\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
            // Whole documents only (a block that starts with `"key":` is a fragment of one).
            for block in blocks where !block.contains("…") && (block.hasPrefix("{") || block.hasPrefix("[")) {
                #expect((try? JSONParser.parse(Array(block.utf8))) != nil, "\(name): a json example does not parse:\n\(block.prefix(300))")
            }
        }
    }

    @Test func scriptsNamedInTheDocsExist() throws {
        let path = /(scripts\/[A-Za-z0-9_.\/-]*[A-Za-z0-9_])/
        for (name, text) in try Self.docs() {
            for m in text.matches(of: path) {
                let p = String(m.1)
                if p.contains("*") || p.hasSuffix(".") { continue }
                #expect(FileManager.default.fileExists(atPath: Self.root + "/" + p), "\(name) names \(p)")
            }
        }
    }

    @Test func everyShownSubcommandExists() async throws {
        let binary = (ProcessInfo.processInfo.environment["AGENT_BUILD_DIR"] ?? Self.root + "/.build/debug") + "/orchestrator-agent"
        let help = try await DockerLab.blocking { try CommandRunner.run([binary, "--help"]) }
        let sub = /orchestrator-agent ([a-z][a-z-]+)/
        var shown: Set<String> = []
        for (_, text) in try Self.docs() {
            for m in text.matches(of: sub) { shown.insert(String(m.1)) }
        }
        // Words that follow the program name in prose but are not subcommands.
        let prose: Set<String> = ["binary", "image", "images", "container", "process", "daemon", "itself", "and", "is", "with"]
        #expect(shown.contains("ctl") && shown.contains("check"))
        for s in shown.subtracting(prose) {
            #expect(help.stdout.contains("  \(s) ") || help.stdout.contains("  \(s)\n"), "`orchestrator-agent \(s)` is in the docs but not in --help")
        }
    }
}

import Foundation
import LabSupport
import Testing

/// `swift_build_progress` (scripts/lib/common.sh), which the demo's build runs through so that a
/// first build of minutes shows its progress: run with a stand-in `swift` first on PATH that
/// prints what SwiftPM prints when its output is not a terminal.
@Suite("Scripts: the build's progress")
struct BuildProgressTests {
    static let common = Installer.packageRoot + "/scripts/lib/common.sh"

    /// Runs `swift_build_progress --product x` with a stand-in `swift` that prints `steps`
    /// progress lines and `tail`, then exits `status`.
    func progress(steps: Int, tail: String, status: Int, every: Int) throws -> CommandResult {
        let dir = Installer.scratch("progress")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fake = """
            #!/bin/sh
            [ "$1" = build ] && [ "$2" = --product ] || { echo "unexpected arguments: $*"; exit 9; }
            i=1
            while [ $i -le \(steps) ]; do echo "[$i/\(steps)] Compiling Module File$i.swift"; i=$((i + 1)); done
            printf '%s\\n' "\(tail)"
            exit \(status)
            """
        try Data(fake.utf8).write(to: URL(fileURLWithPath: dir + "/swift"))
        chmod(dir + "/swift", 0o755)
        let script = "set -euo pipefail; source \(Self.common); swift_build_progress --product x && echo \"returned 0\" || echo \"returned $?\""
        return try Installer.run(["bash", "-c", script],
                                 env: ["PATH": dir + ":/usr/bin:/bin", "PROGRESS_SECONDS": String(every)])
    }

    @Test("with a 0 s period every progress line is shown on stderr, then SwiftPM's last line; status 0")
    func everyLine() throws {
        let r = try progress(steps: 3, tail: "Build of product 'x' complete! (1.00s)", status: 0, every: 0)
        let lines = r.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines == ["[1/3] Compiling Module File1.swift", "[2/3] Compiling Module File2.swift",
                          "[3/3] Compiling Module File3.swift", "Build of product 'x' complete! (1.00s)"], "\(r.stderr)")
        #expect(r.stdout.contains("returned 0"), "\(r.stdout)")
    }

    @Test("within one period no step line is repeated: a fast build shows only its last line")
    func throttled() throws {
        let r = try progress(steps: 200, tail: "Build of product 'x' complete! (0.20s)", status: 0, every: 5)
        #expect(!r.stderr.contains("Compiling"), "\(r.stderr)")
        #expect(r.stderr.contains("Build of product 'x' complete!"), "\(r.stderr)")
    }

    @Test("a failed build returns swift's status and shows its error lines")
    func failure() throws {
        let r = try progress(steps: 2, tail: "/src/A.swift:3:1: error: cannot find 'x' in scope", status: 1, every: 5)
        #expect(r.stdout.contains("returned 1"), "\(r.stdout)")
        #expect(r.stderr.contains("error: cannot find 'x' in scope"), "\(r.stderr)")
    }
}

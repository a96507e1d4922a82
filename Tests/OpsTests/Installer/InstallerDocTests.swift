import Foundation
import LabSupport
import Testing

/// `install.sh --help` lists every flag once per line, and docs/installation.md documents exactly
/// those flags and exit codes.
@Suite(.requires(Installer.canRun, "needs root and the installer's tools"))
struct InstallerDocTests {
    /// The flags `--help` lists (lines `  --flag ...`).
    static func helpFlags() throws -> [String] {
        let r = try Installer.install(["--help"])
        guard r.succeeded else { throw InstallerTestError("--help exited \(r.status): \(r.stderr)") }
        return r.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  --") else { return nil }
            return String(line.dropFirst(2).prefix { $0 != " " })
        }
    }

    @Test func helpListsEveryFlagOnce() async throws {
        let flags = try await DockerLab.blocking { try Self.helpFlags() }
        #expect(flags == [
            "--api-base", "--ca-file", "--issuer-ca", "--cert-dir", "--key-type", "--rsa-bits", "--cloud-host", "--cloud-port",
            "--root", "--agent-image", "--netmon-image", "--agent-user", "--pins-file", "--agent-bin", "--docker-host", "--expiry-warn-days",
            "--reenroll", "--no-docker", "--from-python-agent", "--takeover-timeout", "--dry-run", "--uninstall", "--purge", "--help",
        ])
        // Every listed flag is parsed: with a value where it takes one, it is not "unknown".
        let script = try Installer.read(Installer.script)
        for f in flags { #expect(script.contains("\(f))"), "\(f) has no case in parse_args") }
    }

    /// The doc's flag table has one row per flag of `--help`, in the same order, and no other.
    @Test func docsDescribeExactlyTheFlags() async throws {
        let flags = try await DockerLab.blocking { try Self.helpFlags() }
        let doc = try Installer.read(Installer.doc)
        // The rows of the table in the "## Flags" section.
        var documented: [String] = []
        var inFlags = false
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { inFlags = line == "## Flags" }
            if inFlags, line.hasPrefix("| `--") {
                documented.append(String(line.dropFirst(3).prefix { $0 != "`" && $0 != " " }))
            }
        }
        #expect(documented == flags)
        for code in 0...6 { #expect(doc.contains("| \(code) |"), "exit code \(code) is documented") }
    }
}

import AgentCore
import AgentJSON
import ArgumentParser

/// `orchestrator-agent audit verify|show`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check or show the hash-chained audit trail.", subcommands: [Verify.self, Show.self])

    /// Where the trail is: `--dir`, else `<state_dir>/audit` of `--config`.
    struct Location: ParsableArguments {
        @Option(name: .shortAndLong, help: "Site config file (the trail is in <state_dir>/audit).") var config: String?
        @Option(help: "The audit folder itself.") var dir: String?

        func directory() throws -> String {
            if let dir { return dir }
            guard let config else { throw ValidationError("give --config FILE or --dir DIR") }
            return OperatorSettings.auditDirectory(try SiteConfig.load(path: config))
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every line's hash, the chain, the sequence and the head; exit 1 on the first break.")
        @OptionGroup var location: Location

        func run() throws {
            let report = AuditVerifier.verify(directory: try location.directory())
            if let failure = report.failure {
                print("FAIL \(failure.file) line \(failure.line): \(failure.reason)")
                print("verified before the break: \(report.entries) entries")
                throw ExitCode(1)
            }
            let range = report.entries == 0 ? "empty" : "seq \(report.firstSeq)…\(report.lastSeq)"
            print("OK \(report.entries) entries, \(range), head \(report.head)\(report.anchored ? " (anchored: older files rotated away)" : "")")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the last entries (who, topic, result).")
        @OptionGroup var location: Location
        @Option(help: "How many entries.") var tail: Int = 20

        func run() throws {
            for e in AuditTrail.tail(directory: try location.directory(), count: tail) {
                let seq = e["seq"]?.numberValue.map { String(Int($0)) } ?? "?"
                print("\(seq)  \(e["time"]?.stringValue ?? "")  \(e["who"]?.stringValue ?? "")  \(e["topic"]?.stringValue ?? "")  \(e["result"]?.stringValue ?? "")")
            }
        }
    }
}

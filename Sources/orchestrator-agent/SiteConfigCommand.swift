import AgentCore
import AgentJSON
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `orchestrator-agent site-config write`: the installer's site config, written by the agent that
/// reads it (docs/installation.md, "The site config").
struct SiteConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site-config",
        abstract: "Write the site config an installer sets up.",
        subcommands: [Write.self])

    struct Write: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the installer's site config: state folder, cloud host, port and cert folder, container name, plugin pins.",
            discussion: """
                The document is checked as the agent reads it (a pin needs an id, a path and 64 hex \\
                digits of sha256; no id twice) before anything is written. A file that already holds \\
                the same document (in any layout) is not rewritten: only an owner or mode that differs \\
                is corrected. Otherwise the file is written atomically (a temporary file beside it, \\
                flushed, renamed over it) with mode 0640, its folder 0750 (missing parents 0755), \\
                both owned by --owner when given.
                Prints `written: FILE` or `unchanged: FILE`; --dry-run writes nothing and prints on \\
                stderr what it would (`[dry-run] would write FILE (mode 0640):` and the document).
                Exit status: 0 written or unchanged, 1 the file or its folder cannot be written \\
                (config_write_failed), 65 a value or the pins refused (config_invalid: nothing \\
                written), 64 a usage error.
                """)

        @Option(name: .shortAndLong, help: "The site config file to write.")
        var config: String

        @Option(help: "cloud.host: a host name, an IPv4 or an IPv6 address.")
        var cloudHost: String

        @Option(help: "cloud.port.")
        var cloudPort: Int = 3001

        @Option(help: "cloud.cert_dir: the folder of client.key and client.crt as the agent sees it.")
        var certDir: String

        @Option(help: "state_dir as the agent sees it.")
        var stateDir: String = SiteConfig.defaultStateDirectory

        @Option(help: "agent.container_name (the agent's container; none: no agent section).")
        var containerName: String?

        @Option(help: "Plugin pins for plugins.load: a JSON array as `plugins pin` prints (none: no plugin is loaded).")
        var pins: String?

        @Option(help: "UID:GID that owns the file and its folder (default: the caller).")
        var owner: String?

        @Flag(help: "Write nothing; print what would be written.")
        var dryRun = false

        func validate() throws {
            guard config.hasPrefix("/") else { throw ValidationError("--config must be an absolute path") }
            _ = try parsedOwner()
        }

        private func parsedOwner() throws -> (uid: uid_t, gid: gid_t)? { try OwnerOption.parse(owner) }

        func run() async throws {
            let owner = try parsedOwner()
            if pins == nil { StandardStreams.writeError("warning: no --pins: plugins.load is empty, the agent loads no plugin\n") }
            do throws(AgentCoreError) {
                var loads: [JSONValue] = []
                if let pins { loads = try InstallerSiteConfig.pins(fromFile: pins) }
                let site = InstallerSiteConfig(
                    stateDirectory: stateDir, cloudHost: cloudHost, cloudPort: cloudPort, certDirectory: certDir,
                    containerName: containerName, pins: loads)
                let (outcome, notes) = try site.write(to: config, owner: owner, dryRun: dryRun)
                for note in notes { StandardStreams.writeError(dryRun ? "[dry-run] \(note)\n" : "\(note)\n") }
                print("\(outcome.rawValue): \(config)")
            } catch {
                StandardStreams.writeError("error: \(error.code.rawValue): \(error.message)\n")
                throw ExitCode(error.code == .configWriteFailed ? 1 : 65)
            }
        }
    }
}

import AgentCore
import AgentJSON
import ArgumentParser

/// `orchestrator-agent adopt --config FILE --dry-run`: the takeover plan of a site the Python
/// agent ran — which vPLCs the daemon's start adopts as they run, which it leaves alone and why
/// (docs/installation.md, "Moving from the Python agent"). Read-only, with or without a daemon.
/// Without `--dry-run` it asks the running daemon to run the takeover now (`run_takeover`
/// through the local door), e.g. after fixing what a finding named.
struct Adopt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show (--dry-run) or run now the takeover of a site the Python agent ran.",
        discussion: """
            Prints the plan as JSON: "adopt" (the vPLCs taken over as they run), "findings" (typed, \
            "blocks_adoption": true for a vPLC left alone) and "skipped".
            Exit status: 0 nothing blocks, 1 the site config cannot be used, 2 no daemon answering or \
            the door refused the connection (without --dry-run), 3 error response, 5 a finding blocks \
            a vPLC's adoption, 64 a usage error.
            """)

    @OptionGroup var options: CommonOptions

    @Flag(help: "Only show the plan; change nothing (the daemon need not run).")
    var dryRun = false

    @Option(help: "The door's socket when not --dry-run (default: from the site config).")
    var socket: String?

    func run() async throws {
        let response: JSONObject
        if dryRun {
            let agent = try Agent(configPath: options.config, logger: try options.makeLogger())
            _ = try OperatorServices(agent: agent, openDoor: false)  // audited as `cli:uid=…`
            response = await agent.dispatcher.dispatch(topic: "get_takeover_plan", payload: Array("{}".utf8))
            await agent.shutdown()
        } else {
            let path = try socket ?? OperatorSettings.parse(SiteConfig.load(path: options.config)).doorSocket
            do throws(AgentCoreError) {
                response = try DoorClient(path: path).call(topic: "run_takeover", message: .object([:]), events: false)
            } catch {
                StandardStreams.writeError("error: \(error.code): \(error.message)\n")
                throw ExitCode(2)
            }
        }
        print(JSONWriter.string(.object(response)))
        if response["status"]?.stringValue == "error" { throw ExitCode(3) }
        let plan = (dryRun ? response["plan"]?.objectValue : response) ?? [:]
        let blocking = (plan["findings"]?.arrayValue ?? []).contains { $0.objectValue?["blocks_adoption"] == true }
        if blocking { throw ExitCode(5) }
    }
}

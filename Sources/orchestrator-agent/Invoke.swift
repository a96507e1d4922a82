import AgentCore
import AgentJSON
import ArgumentParser

/// `orchestrator-agent invoke --config FILE TOPIC JSON`: one message through the same
/// validation and routing as the cloud path; prints the response JSON on stdout and every event
/// the plugins emitted on stderr.
struct Invoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dispatch one message to a topic in this process and print the response JSON (no daemon involved).",
        discussion: """
            Loads the plugins itself, so the daemon must not be running on the same state folder; \
            to reach a running daemon use `ctl` (the local door).
            Exit status: 0 a response was printed (3 with --fail-on-error when it is an error response), \
            1 the site config or the plugins cannot be used, 64 a usage error.
            """)

    @OptionGroup var options: CommonOptions

    @Argument(help: "Topic name, e.g. get_device_status.")
    var topic: String

    @Argument(help: "Message JSON (any JSON; non-objects get a typed error). '-' reads standard input.")
    var message: String = "{}"

    @Flag(help: "Exit with status 3 when the response is an error response.")
    var failOnError = false

    func run() async throws {
        let logger = try options.makeLogger()
        let agent = try Agent(configPath: options.config, logger: logger)
        _ = try OperatorServices(agent: agent, openDoor: false)  // audited as `cli:uid=…`
        agent.services.events.observe { topic, payload in
            StandardStreams.writeError("event \(topic) \(JSONWriter.string(.object(payload)))\n")
        }
        let bytes: [UInt8] =
            message == "-" ? StandardStreams.readInput() : Array(message.utf8)
        let response = await agent.dispatcher.dispatch(topic: topic, payload: bytes)
        print(JSONWriter.string(.object(response)))
        await agent.shutdown()
        if failOnError, response["status"]?.stringValue == "error" { throw ExitCode(3) }
    }
}

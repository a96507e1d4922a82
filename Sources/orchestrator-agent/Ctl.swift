import AgentCore
import AgentJSON
import ArgumentParser

/// `orchestrator-agent ctl TOPIC [JSON]`: one command through the running daemon's local door
/// (same contracts and audit trail as the cloud). Prints the response JSON on stdout; with
/// `--wait`, also follows the operation the command started and prints each `operation_update`
/// on stderr until it ends.
struct Ctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one command to the running agent through its local door (root only).",
        discussion: """
            The local door is the daemon's root-only unix socket; `invoke` runs a topic in its own \
            process instead, without a daemon.
            Exit status: 0 success, 1 the site config cannot be used, 2 no daemon answering (or the door \
            refused the connection), 3 error response, 4 the operation failed or --timeout passed (--wait), \
            64 a usage error (e.g. the message is not JSON).
            """)

    @Option(name: .shortAndLong, help: "Site config file (finds the door's socket).")
    var config: String?

    @Option(help: "The door's socket (default: local_door.socket, else <state_dir>/agent.sock).")
    var socket: String?

    @Flag(help: "Follow the operation the command started until it succeeds or fails.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout: Int = 300

    @Argument(help: "Topic name, e.g. get_device_status.")
    var topic: String

    @Argument(help: "Message JSON object ('-' reads standard input).")
    var message: String = "{}"

    func run() throws {
        let path = try socketPath()
        let text = message == "-" ? String(decoding: StandardStreams.readInput(), as: UTF8.self) : message
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(Array(text.utf8)) } catch {
            throw ValidationError("the message is not valid JSON: \(error)")
        }
        let client: DoorClient
        let response: JSONObject
        do throws(AgentCoreError) {
            client = try DoorClient(path: path)
            response = try client.call(topic: topic, message: parsed, events: wait)
        } catch {
            StandardStreams.writeError("error: \(error.code): \(error.message)\n")
            throw ExitCode(2)
        }
        print(JSONWriter.string(.object(response)))
        if response["status"]?.stringValue == "error" { throw ExitCode(3) }
        guard wait, let operation = response["operation_id"]?.stringValue else { return }
        let outcome = client.follow(operation: operation, timeoutSeconds: timeout) { event in
            StandardStreams.writeError(JSONWriter.string(.object(event)) + "\n")
        }
        if outcome != "succeeded" { throw ExitCode(4) }
    }

    private func socketPath() throws -> String {
        if let socket { return socket }
        guard let config else { return SiteConfig.defaultStateDirectory + "/agent.sock" }
        return try OperatorSettings.parse(SiteConfig.load(path: config)).doorSocket
    }
}

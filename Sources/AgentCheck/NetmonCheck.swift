import AgentCore
import AgentJSON

/// Item 5: the netmon sidecar accepts a connection on the listener plugin's socket and answers
/// `{"command":"get_status","id":"check"}` (events — the greeting's discovery — may come first;
/// lines are read until the reply carrying that id arrives or the deadline passes).
enum NetmonCheck {
    static let defaultSocket = "/var/orchestrator/netmon.sock"

    static func run(config: SiteConfig, options: CheckOptions) async -> CheckResult {
        guard let entry = SitePlugins.entry(SitePlugins.netmonID, in: config) else {
            return .warn(
                .netmon, "the netmon plugin (\(SitePlugins.netmonID)) is not loaded: vPLCs get no DHCP and do not follow the host's network",
                fix: "run the autonomy-netmon sidecar and add \(SitePlugins.netmonID) with its sha256 to plugins.load (docs/network-monitor.md)")
        }
        let socket = SitePlugins.setting("socket", of: entry) ?? defaultSocket
        let timeout = options.socketTimeout
        let result = await Blocking.run { Result { () throws(CheckError) in try status(socket: socket, timeout: timeout) } }
        switch result {
        case .success(let reply):
            if reply["success"]?.boolValue == true {
                let clients = reply["clients"]?.numberValue.map { "\(Int($0)) client(s)" } ?? "clients ?"
                let uptime = reply["uptime_s"]?.numberValue.map { ", up \(Int($0)) s" } ?? ""
                let interfaces = interfaceCount(reply["interfaces"]).map { ", \($0) interface(s)" } ?? ""
                return .ok(.netmon, "the sidecar at \(socket) answers get_status: \(clients)\(interfaces)\(uptime)")
            }
            let code = reply["code"]?.stringValue ?? "error"
            let message = reply["error"]?.stringValue ?? ""
            let fix =
                code == "peer_refused"
                ? "start the sidecar with --agent-uid set to the agent's uid (root is always served)"
                : "look at the sidecar's log (docker logs autonomy-netmon / journalctl) and restart it"
            return .fail(.netmon, "the sidecar at \(socket) answered get_status with \(code): \(message)", fix: fix)
        case .failure(let error):
            return .fail(.netmon, "no answer from the netmon sidecar: \(error.message)", fix: fix(error, socket))
        }
    }

    /// Sends `get_status` with id `check` and returns the reply carrying that id.
    static func status(socket path: String, timeout: Double) throws(CheckError) -> JSONObject {
        let deadline = Deadline(seconds: timeout)
        let socket = try UnixSocket(path: path, deadline: deadline)
        try socket.send(Array("{\"command\":\"get_status\",\"id\":\"check\"}\n".utf8), deadline: deadline)
        var pending: [UInt8] = []
        while true {
            let chunk = try socket.receive(deadline: deadline)
            guard !chunk.isEmpty else { throw CheckError(.closed, "closed the connection before answering get_status") }
            pending += chunk
            while let newline = pending.firstIndex(of: 10) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                // harmless: a line that is not a JSON object is not the answer; the deadline bounds the wait
                guard !line.isEmpty, let object = try? JSONParser.parse(line).objectValue else { continue }
                if object["id"]?.stringValue == "check" && object["type"] == nil { return object }
                // A refusal is sent without our id, then the sidecar closes.
                if object["type"] == nil, object["code"]?.stringValue == "peer_refused" { return object }
            }
            if pending.count > 4 << 20 { throw CheckError(.badResponse, "sent a line longer than 4 MiB") }
        }
    }

    /// `interfaces` is a count (this sidecar) or an object of counts.
    private static func interfaceCount(_ value: JSONValue?) -> Int? {
        if let n = value?.numberValue { return Int(n) }
        if let total = value?.objectValue?["total"]?.numberValue { return Int(total) }
        return nil
    }

    private static func fix(_ error: CheckError, _ socket: String) -> String {
        switch error.code {
        case .missing, .connectionRefused:
            "start the autonomy-netmon sidecar (docs/network-monitor.md) with --socket \(socket), or set the netmon plugin's \"socket\" to where it listens"
        case .permissionDenied:
            "run the agent and check as root, or start the sidecar with --socket-group of the agent's group"
        case .timeout: "the sidecar accepts but does not answer: look at its log and restart it"
        default: "look at the sidecar's log and restart it"
        }
    }
}

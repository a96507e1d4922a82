import AgentJSON
import Foundation
import HTTP1Client
import LabSupport

/// The throwaway PKI of the lab (scripts/lab/make-pki.sh), made once per test process.
enum LabPKI {
    static let directory: String = {
        let dir = "/tmp/agent-lab-pki-\(getpid())"
        if !FileManager.default.fileExists(atPath: dir + "/ca.pem") {
            _ = try? run(BuildProducts.packageRoot + "/scripts/lab/make-pki.sh", [dir])
            // Removed when the test process exits (the path is derived again from the pid).
            atexit {
                try? FileManager.default.removeItem(atPath: "/tmp/agent-lab-pki-\(getpid())")
            }
        }
        return dir
    }()

    static func path(_ name: String) -> String { directory + "/" + name }
}

/// The python-socketio lab cloud (scripts/lab/cloud) as a child process, driven through its
/// control API. Stopped (SIGTERM, by PID) on `stop()` or deinit.
final class LabCloud: @unchecked Sendable {
    let process: Process
    let port: Int
    let controlPort: Int
    /// The control API's unix socket when the cloud runs inside a network namespace.
    let controlSocket: String?
    private let arguments: [String]
    private let netns: String?

    /// Starts a cloud on python-socketio's default settings; only what a parameter names
    /// differs. `port` 0 picks a free one. With `netns` the cloud runs inside that network
    /// namespace (next to an agent there) and its control API listens on a unix socket.
    /// - Parameters:
    ///   - host: the address to listen on (`127.0.0.1`, or `::1` for IPv6).
    ///   - pingInterval, pingTimeout: seconds; nil keeps the library's defaults (25 and 20).
    ///   - transports: `polling` or `websocket` to offer only that one; nil offers both.
    ///   - stripUpgrade: behave like a proxy that drops WebSocket upgrades.
    init(
        serverCert: String = "server", clientCA: String? = nil, pingInterval: Double? = nil, pingTimeout: Double? = nil,
        port: Int = 0, netns: String? = nil, host: String = "127.0.0.1", transports: String? = nil, stripUpgrade: Bool = false
    ) throws {
        var args = [
            "--pki", LabPKI.directory, "--host", host, "--port", String(port), "--server-cert", serverCert, "--log-level", "WARNING",
        ]
        if let pingInterval { args += ["--ping-interval", String(pingInterval)] }
        if let pingTimeout { args += ["--ping-timeout", String(pingTimeout)] }
        if let transports { args += ["--transports", transports] }
        if stripUpgrade { args.append("--strip-upgrade") }
        if let clientCA { args += ["--client-ca", LabPKI.path(clientCA)] }
        if netns != nil {
            // The venv comes from PyPI: make it here, in the host namespace; a lab namespace has
            // no route out.
            _ = try CommandRunner.check([BuildProducts.packageRoot + "/scripts/lab/setup-cloud.sh"], timeout: 300)
            let socket = "/tmp/agent-lab-cloud-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
            args += ["--control-unix", socket]
            controlSocket = socket
        } else {
            controlSocket = nil
        }
        arguments = args
        self.netns = netns
        (process, self.port, controlPort) = try Self.launch(args, netns: netns)
    }

    private static func launch(_ args: [String], netns: String?) throws -> (Process, Int, Int) {
        let p = Process()
        let script = BuildProducts.packageRoot + "/scripts/lab/cloud"
        if let netns {
            // `ip netns exec` execs the command: the child's PID is the cloud's, so stop() reaches it.
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = ["netns", "exec", netns, script] + args
        } else {
            p.executableURL = URL(fileURLWithPath: script)
            p.arguments = args
        }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        try p.run()
        // Read the READY line.
        var line = Data()
        let handle = out.fileHandleForReading
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { throw LabError("the lab cloud exited before it was ready") }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let parts = String(decoding: line, as: UTF8.self).split(separator: " ")
        guard parts.count == 3, parts[0] == "READY", let port = Int(parts[1]), let control = Int(parts[2]) else {
            throw LabError("unexpected lab cloud output: \(String(decoding: line, as: UTF8.self))")
        }
        return (p, port, control)
    }

    /// Starts another cloud on the same port (after this one was stopped).
    func restart() throws -> LabCloud {
        try LabCloud(arguments: arguments, port: port, netns: netns, controlSocket: controlSocket)
    }

    private init(arguments: [String], port: Int, netns: String?, controlSocket: String?) throws {
        var args = arguments
        if let i = args.firstIndex(of: "--port") { args[i + 1] = String(port) }
        self.arguments = args
        self.netns = netns
        self.controlSocket = controlSocket
        if let controlSocket { unlink(controlSocket) }
        var lastError: (any Error)? = nil
        for _ in 0..<50 {
            do {
                (process, self.port, controlPort) = try Self.launch(args, netns: netns)
                return
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.1)  // sleep-audit: poll (the interval of a wait with a deadline)
            }
        }
        throw lastError ?? LabError("cannot restart the lab cloud")
    }

    func stop() {
        terminate(process)
        if let controlSocket { unlink(controlSocket) }
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the cloud process: a peer that stops answering.
    func freeze(_ on: Bool) { kill(process.processIdentifier, on ? SIGSTOP : SIGCONT) }

    deinit { stop() }

    // MARK: control API

    func request(_ method: String, _ path: String, _ body: JSONValue? = nil, timeout: Double = 30) async throws -> JSONObject {
        let target: HTTP1Target = controlSocket.map { .unixSocket(path: $0) } ?? .tcp(host: "127.0.0.1", port: controlPort)
        var headers = HTTP1Headers()
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let req = HTTP1Request(
            method: method, target: path, headers: headers, body: body.map { .bytes(JSONWriter.bytes($0)) } ?? .none)
        let r = try await HTTP1Client(target: target).send(req, timeout: .milliseconds(Int(timeout * 1000) + 2000))
        guard let obj = try JSONParser.parse(r.body).objectValue else { throw LabError("control API answered a non-object") }
        return obj
    }

    func state() async throws -> JSONObject { try await request("GET", "/state") }

    /// Emits an event with an ack and returns the ack's arguments (or throws on timeout).
    func call(_ event: String, _ data: JSONValue, timeout: Double = 10) async throws -> [JSONValue] {
        let r = try await request("POST", "/emit", ["event": .string(event), "data": data, "ack": true, "timeout": .number(timeout)])
        guard let ack = r["ack"]?.arrayValue else { throw LabError("no ack: \(r)") }
        return ack
    }

    /// Like `call`, with the raw argument list (zero, several, non-object arguments).
    func callRaw(_ event: String, args: [JSONValue], timeout: Double = 10) async throws -> [JSONValue] {
        let r = try await request("POST", "/emit", ["event": .string(event), "args": .array(args), "ack": true, "timeout": .number(timeout)])
        guard let ack = r["ack"]?.arrayValue else { throw LabError("no ack: \(r)") }
        return ack
    }

    func connections() async throws -> [JSONObject] {
        try await state()["connections"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    func heartbeats() async throws -> [JSONObject] {
        try await state()["heartbeats"]?.arrayValue?.compactMap(\.objectValue) ?? []
    }

    func events(named name: String) async throws -> [JSONObject] {
        (try await state()["events"]?.arrayValue?.compactMap(\.objectValue) ?? []).filter { $0["event"]?.stringValue == name }
    }

    /// Polls `condition` until it holds or `seconds` pass.
    func waitUntil(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))  // sleep-audit: poll (the interval of a wait with a deadline)
        }
        return try await condition()
    }

    /// The live (not disconnected) connections.
    func liveConnections() async throws -> [JSONObject] {
        try await connections().filter { $0["disconnected_at"] == nil || $0["disconnected_at"] == .null }
    }
}

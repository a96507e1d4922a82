import AgentJSON
import Foundation
import LabSupport
import Testing

/// `run_command` reaches the vPLC's own runtime and nothing else: hostile `api`, `Host` and
/// `port` values either stay on the vPLC's internal address or are refused, while a trap
/// listener beside the agent (in its namespace, on every address) records any request that
/// escapes. docs/security.md lists this among the security checks.
extension VPLCLab {
@Suite("run_command confinement")
struct Confinement {
    /// Listens on 0.0.0.0:PORT and appends one line per connection to FILE, in the order the
    /// connections came: `CANARY` for a connection that sends `CANARY` first, `HIT <address>` for
    /// any other.
    static let trapScript = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(16)
        open(sys.argv[2], "a").write("READY\\n")
        while True:
            c, a = s.accept(); c.settimeout(2)
            try: first = c.recv(6)
            except Exception: first = b""
            line = "CANARY" if first == b"CANARY" else "HIT %s" % (a[0],)
            open(sys.argv[2], "a").write(line + "\\n"); c.close()
        """

    @Test("hostile api, Host and port values never leave the vPLC's runtime")
    func onlyTheRuntime() async throws {
        let h = try await VPLCHarness()
        defer { h.stop() }
        let device = uniqueDevice("jail")
        try await h.createRunning(device, host: 47)
        let trapPort = 18_777
        let record = NSTemporaryDirectory() + "run-command-trap-\(getpid()).txt"
        try? FileManager.default.removeItem(atPath: record)
        defer { try? FileManager.default.removeItem(atPath: record) }
        let labNS = h.lab.labNamespace
        let trap = try await DockerLab.blocking {
            try CommandRunner.spawnBackground(
                ["ip", "netns", "exec", labNS, "python3", "-c", Self.trapScript, "\(trapPort)", record], log: "/dev/null")
        }
        defer {
            kill(trap, SIGKILL)
            var status: Int32 = 0
            waitpid(trap, &status, 0)
        }
        #expect(try await h.cloud.waitUntil(seconds: 10) {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").contains("READY")
        })
        // The trap is reachable from the agent's namespace (so a miss below means something).
        let probe = try await DockerLab.blocking {
            try h.lab.exec(inNamespace: labNS, ["python3", "-c", "import socket; socket.create_connection(('127.0.0.1', \(trapPort)), 2)"])
        }
        #expect(probe.succeeded, "\(probe.stderr)")
        #expect(try await h.cloud.waitUntil(seconds: 5) {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").contains("HIT")
        })
        try Data("READY\n".utf8).write(to: URL(fileURLWithPath: record))

        let base: JSONObject = ["device_id": .string(device), "method": "GET"]
        let hostile: [JSONObject] = [
            ["api": .string("//127.0.0.1:\(trapPort)/x")],
            ["api": .string("@127.0.0.1:\(trapPort)/x")],
            ["api": .string("http://127.0.0.1:\(trapPort)/x")],
            ["api": .string("..%2F..%2F127.0.0.1:\(trapPort)")],
            ["api": "api/version", "headers": .object(["Host": .string("127.0.0.1:\(trapPort)")])],
            ["api": "api/version", "port": .number(Double(trapPort)), "scheme": "http", "timeout_ms": 2000],
            ["api": "x\r\nHost: 127.0.0.1"],
        ]
        for extra in hostile {
            var message = base
            for (k, v) in extra.entries { message[k] = v }
            let answer = try await h.call("run_command", message)
            // Either refused before any request, or answered by (or on the way to) the vPLC itself.
            let refused = answer["code"] == "invalid_request"
            let runtime = answer["source"] == "runtime"
            let proxy = answer["source"] == "proxy"
            #expect(refused || runtime || proxy, "\(extra): \(answer)")
        }
        // The Host header a message sets is the proxy's: the runtime still answers itself.
        let withHost = try await h.call(
            "run_command", ["device_id": .string(device), "method": "GET", "api": "api/version",
                            "headers": ["Host": .string("127.0.0.1:\(trapPort)")]])
        #expect(withHost["source"] == "runtime" && withHost["http_response"]?.objectValue?["status_code"] == 200, "\(withHost)")
        // A canary sent after every request: the trap serves connections in order, so once the
        // canary is recorded, every connection that escaped before it is recorded too.
        let canary = try await DockerLab.blocking {
            try h.lab.exec(inNamespace: labNS, [
                "python3", "-c", "import socket; socket.create_connection(('127.0.0.1', \(trapPort)), 2).sendall(b'CANARY')",
            ])
        }
        #expect(canary.succeeded, "\(canary.stderr)")
        #expect(try await h.cloud.waitUntil(seconds: 10) {
            ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").contains("CANARY")
        })
        let hits = ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.hasPrefix("HIT") }
        #expect(hits.isEmpty, "requests escaped the vPLC: \(hits)")
        try await h.deleteExpectingNothingLeft(device)
        await h.shutdown()
    }
}
}

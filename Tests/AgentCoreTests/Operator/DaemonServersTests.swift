import AgentCore
import AgentJSON
import Foundation
import LabSupport
import Testing

/// The daemon's own servers — the local door and the metrics endpoint — run on swift-nio as
/// services of its `ServiceGroup`: one event loop thread for both, and both closed by a graceful
/// shutdown (SIGTERM).
@Suite("Daemon: door and metrics as services", .labThreads)
struct DaemonServersTests {
    /// The TCP ports process `pid` listens on: its socket inodes (`/proc/<pid>/fd`) matched with
    /// the LISTEN entries of `/proc/net/tcp` and `tcp6`. (The daemon binds port 0: a port picked
    /// by the test and freed again could be taken by another test's server in the meantime.)
    static func listeningPorts(_ pid: Int32) -> Set<UInt16> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(fds.compactMap { fd -> String? in
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                link.hasPrefix("socket:[")
            else { return nil }
            return String(link.dropFirst(8).dropLast())
        })
        var ports: Set<UInt16> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let lines = ((try? String(contentsOfFile: table, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst()
            for line in lines {
                let f = line.split(separator: " ")
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                guard f.count > 9, f[3] == "0A", inodes.contains(String(f[9])), let hex = f[1].split(separator: ":").last,
                    let port = UInt16(hex, radix: 16)
                else { continue }
                ports.insert(port)
            }
        }
        return ports
    }

    /// The names of the process's threads (`/proc/<pid>/task/*/comm`).
    static func threadNames(_ pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8) }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    @Test("the door and the metrics endpoint run on the process's one event loop thread and are closed by SIGTERM")
    func servedAndStopped() async throws {
        let lab = try PluginLab()
        let socket = lab.root + "/agent.sock"
        let config = try lab.writeConfig(
            [try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift"))],
            features: ["metrics_endpoint": true],
            extra: ["local_door": ["socket": .string(socket)], "metrics": ["address": "127.0.0.1", "port": 0]])
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
        daemon.arguments = ["run", "--config", config, "--log-level", "warning"]
        try daemon.run()
        let pid = daemon.processIdentifier
        var port: UInt16 = 0
        do {
            var up = false
            for _ in 0..<100 where !up {
                if let p = Self.listeningPorts(pid).first { port = p }
                let scraped = port != 0 ? await MetricsTestClient.get(port: port).reply?.status == "200 OK" : false
                up = scraped && FileManager.default.fileExists(atPath: socket)
                if !up { try await Task.sleep(for: .milliseconds(100)) }  // sleep-audit: poll (the interval of a wait with a deadline)
            }
            try #require(up, "the daemon's door and metrics endpoint did not come up")
            #expect(Self.listeningPorts(pid) == [port], "the daemon listens on one TCP port, the endpoint's")
            let path = socket
            let hello = try await DockerLab.blocking { try DoorClient(path: path).call(topic: "example_hello", message: ["name": "Ada"]) }
            #expect(hello["greeting"] == "Hello, Ada!")
            // One event loop group in the process (NIO's singleton, sized to one loop): no group of
            // anyone's own, and one loop thread serves the door, the endpoint and the plugins.
            let names = Self.threadNames(pid)
            #expect(names.filter { $0.hasPrefix("NIO-SGLTN") }.count == 1, "one event loop thread serves all: \(names)")
            #expect(!names.contains { $0.hasPrefix("NIO-ELT") }, "an event loop group of its own: \(names)")
        } catch {
            _ = try? await DockerLab.blocking { terminate(daemon) }
            throw error
        }
        kill(pid, SIGTERM)
        let code = try await DockerLab.blocking { waitExit(daemon, seconds: 30) }
        #expect(code == 0, "the daemon's exit code after SIGTERM")
        #expect(!FileManager.default.fileExists(atPath: socket), "the door removed its socket file")
        guard case .refused = await MetricsTestClient.get(port: port) else {
            Issue.record("port \(port) still answers after the daemon stopped")
            return
        }
    }
}

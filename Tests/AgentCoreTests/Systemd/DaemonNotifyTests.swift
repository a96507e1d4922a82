import AgentJSON
import Foundation
import LabSupport
import Testing

/// `orchestrator-agent run` as systemd starts a `Type=notify` unit: `NOTIFY_SOCKET` (an abstract
/// name a test listener holds) and `WATCHDOG_USEC`. The datagrams it sends over its life: ready,
/// watchdog pings at half the period, reloading/ready around SIGHUP, stopping on SIGTERM.
@Suite("systemd notify: the daemon", .labThreads)
struct DaemonNotifyTests {
    /// Starts the daemon on `config` with the listener's socket and a 0.4 s watchdog period.
    func start(_ config: String, _ listener: NotifyListener) throws -> (Process, LogCollector) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BuildProducts.executable("orchestrator-agent"))
        p.arguments = ["run", "--config", config, "--log-level", "info"]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = listener.name
        env["WATCHDOG_USEC"] = "400000"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        return (p, LogCollector(out.fileHandleForReading))
    }

    @Test("ready at once without a transport; pings at half WATCHDOG_USEC; RELOADING=1 then READY=1 on SIGHUP; STOPPING=1 on SIGTERM")
    func lifecycle() async throws {
        let lab = try PluginLab()
        let config = try lab.writeConfig([try lab.entry(id: "com.example.greeter-swift", path: try lab.install("agent-example-swift"))])
        let listener = try NotifyListener()
        let (daemon, log) = try start(config, listener)
        defer { terminate(daemon) }

        let ready = try await DockerLab.blocking { listener.wait(seconds: 20) { $0.hasPrefix("READY=1") } }
        #expect(ready != nil, "no READY=1: \(listener.messages) \(log.contents)")
        #expect(listener.messages.first == "READY=1\nSTATUS=running without a cloud transport", "\(listener.messages)")

        // Pings: a tick is 0.2 s. Five of them, never closer together than a tick allows.
        let fifth = try await DockerLab.blocking { () -> Int? in
            var from = 0
            for _ in 0..<5 {
                guard let i = listener.wait(seconds: 10, from: from, { $0 == "WATCHDOG=1" }) else { return nil }
                from = i + 1
            }
            return from
        }
        #expect(fifth != nil, "fewer than 5 pings: \(listener.messages)")
        let times = listener.times(of: "WATCHDOG=1")
        if let first = times.first, let last = times.last, times.count >= 2 {
            let span = last.timeIntervalSince(first)
            #expect(Double(times.count - 1) <= span / 0.2 + 2, "\(times.count) pings in \(span) s: faster than every 0.2 s")
        }

        // SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 saying how it ended.
        let mark = listener.messages.count
        kill(daemon.processIdentifier, SIGHUP)
        let reloading = try await DockerLab.blocking { listener.wait(seconds: 10, from: mark) { $0.hasPrefix("RELOADING=1") } }
        let reloaded = try await DockerLab.blocking {
            listener.wait(seconds: 10, from: mark) { $0.hasPrefix("READY=1\nSTATUS=site config reloaded") }
        }
        #expect(reloading != nil && reloaded != nil && reloading! < reloaded!, "\(listener.messages.dropFirst(mark))")
        if let reloading {
            #expect(NotifyListener.assignments(listener.messages[reloading]).contains { $0.hasPrefix("MONOTONIC_USEC=") })
        }

        // A reload the config refuses: READY=1 all the same (the old config stays), saying so.
        let mark2 = listener.messages.count
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: config))
        kill(daemon.processIdentifier, SIGHUP)
        let refused = try await DockerLab.blocking {
            listener.wait(seconds: 10, from: mark2) { $0.hasPrefix("READY=1\nSTATUS=site config reload refused") }
        }
        #expect(refused != nil, "\(listener.messages.dropFirst(mark2))")

        kill(daemon.processIdentifier, SIGTERM)
        let stopping = try await DockerLab.blocking { listener.wait(seconds: 10) { $0.hasPrefix("STOPPING=1") } }
        #expect(stopping != nil, "\(listener.messages)")
        #expect(waitExit(daemon, seconds: 20) == 0, "\(log.contents)")
    }

    @Test("with a transport, READY=1 waits for its first attempt: here it fails (no certificate), and says why")
    func readyAfterAFailedFirstAttempt() async throws {
        let lab = try PluginLab()
        let config = try lab.writeConfig(
            [try lab.entry(id: "io.autonomy.transport-mtls", path: try lab.install("agent-transport-mtls"))],
            extra: ["cloud": ["host": "localhost", "port": .number(1), "cert_dir": .string(lab.root + "/no-such-mtls")]])
        let listener = try NotifyListener()
        let (daemon, log) = try start(config, listener)
        defer { terminate(daemon) }
        let ready = try await DockerLab.blocking { listener.wait(seconds: 20) { $0.hasPrefix("READY=1") } }
        let message = ready.map { listener.messages[$0] } ?? ""
        #expect(message.hasPrefix("READY=1\nSTATUS=connecting to the cloud; the last attempt failed"), "\(listener.messages) \(log.contents)")
        #expect(message.contains("No such file or directory"), "the reason in plain words: \(message)")
        kill(daemon.processIdentifier, SIGTERM)
        #expect(waitExit(daemon, seconds: 20) == 0, "\(log.contents)")
    }
}

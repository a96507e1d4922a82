import AgentJSON
import Foundation
import LabSupport
import Testing

/// `orchestrator-agent check` on broken sites: each breaks one thing and asserts that item's
/// finding, its fix, and the exit status (1 on any fail, 0 with warnings only).
@Suite("Check: orchestrator-agent check finds what is broken", .labThreads)
struct CheckTests {
    /// A cloud that verifies client certificates against the lab CA.
    private func startCloud() async throws -> LabCloud {
        try await DockerLab.blocking { try LabCloud(clientCA: "ca.pem") }
    }

    @Test("a site without a cloud link: ok items, skips, a netmon warning, exit 0; the text format")
    func minimalSite() async throws {
        let site = try CheckSite(.init())
        let run = try await site.check()
        #expect(run.status == 0, "\(run)")
        #expect(run.statuses("config") == ["ok"])
        #expect(run.statuses("certificates") == ["skip"])
        #expect(run.statuses("cloud") == ["skip"])
        #expect(run.statuses("docker") == ["skip"])
        #expect(run.has("netmon", "warn", "not loaded"))
        #expect(run.has("plugins", "ok", "com.example.greeter-swift"))
        #expect(run.has("store", "ok", "no store yet"))
        #expect(run.has("daemon", "ok", "no daemon health file"))

        let text = try await site.checkText()
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ok    config        \(site.configPath) is valid") == true, "\(text.stdout)")
        let warn = lines.firstIndex { $0.hasPrefix("warn  netmon") }
        #expect(warn.map { lines[$0 + 1].hasPrefix("   fix: ") } == true, "\(text.stdout)")
    }

    @Test("an invalid config names the field; every other item is skipped; exit 1")
    func invalidConfig() async throws {
        let site = try CheckSite(.init())
        try site.writeConfig(#"{"plugins": {"load": [{"id": "x", "path": "/x.so", "sha256": "abc"}]}}"#)
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("config", "fail", "'plugins.load[0].sha256' must be 64 hex digits"))
        #expect(run.fix("config", "fail").contains("correct 'plugins.load[0].sha256'"))
        for item in ["certificates", "cloud", "docker", "netmon", "plugins", "store", "daemon"] {
            #expect(run.statuses(item) == ["skip"], "\(item)")
        }
        // The text: the seven skips of one cause are one line naming them, with one fix line.
        let text = try await site.checkText()
        #expect(text.status == 1)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let skips = lines.filter { $0.hasPrefix("skip") }
        #expect(skips.count == 1, "\(text.stdout)")
        #expect(skips.first?.contains("(certificates, cloud, docker, netmon, plugins, store, daemon)") == true, "\(text.stdout)")
        #expect(lines.filter { $0.contains("fix the config item first") }.count == 1, "\(text.stdout)")
        #expect(lines.count == 4, "fail + its fix, one skip + its fix: \(text.stdout)")
    }

    @Test("a config file that does not exist is named with the system's words, not Foundation's error domain")
    func missingConfigFile() async throws {
        let site = try CheckSite(.init())
        try FileManager.default.removeItem(atPath: site.configPath)
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("config", "fail", "cannot read site config '\(site.configPath)': No such file or directory"), "\(run)")
        #expect(!run.description.contains("NSCocoaErrorDomain"), "\(run)")
        #expect(run.fix("config", "fail").contains("--config"))
    }

    @Test("a client certificate from another CA fails the chain check, and the cloud refuses the handshake")
    func foreignCA() async throws {
        let cloud = try await startCloud()
        defer { cloud.stop() }
        let site = try CheckSite(.init(cloudPort: cloud.port, client: "rogue-client"))
        let run = try await site.check(cloudTimeout: 4)
        #expect(run.status == 1, "\(run)")
        #expect(run.has("certificates", "fail", "does not chain to the CA"), "\(run)")
        #expect(run.fix("certificates", "fail").contains("issued by your cloud's CA"))
        #expect(run.has("cloud", "fail", "no connection to wss://localhost:\(cloud.port)"), "\(run)")
        #expect(run.fix("cloud", "fail").contains("does not accept the agent's certificate"), "\(run)")
    }

    @Test("an expired client certificate fails (and only as expired, not as a chain problem)")
    func expiredCertificate() async throws {
        let site = try CheckSite(.init(cloudPort: try closedLoopbackPort(), client: "expired"))
        let run = try await site.check(cloudTimeout: 1)
        #expect(run.status == 1, "\(run)")
        #expect(run.has("certificates", "fail", "expired on"), "\(run)")
        #expect(!run.has("certificates", "fail", "chain"), "\(run)")
        #expect(run.fix("certificates", "fail").contains("enrol again"))
    }

    @Test("a certificate close to expiry warns; with the cloud up everything else passes: exit 0")
    func certificateCloseToExpiry() async throws {
        let cloud = try await startCloud()
        defer { cloud.stop() }
        let site = try CheckSite(.init(cloudPort: cloud.port, client: "expiring"))
        let run = try await site.check()
        #expect(run.status == 0, "\(run)")
        #expect(run.has("certificates", "warn", "expires in 9 day(s)") || run.has("certificates", "warn", "expires in 10 day(s)"), "\(run)")
        #expect(run.fix("certificates", "warn").contains("renew"))
        #expect(run.has("cloud", "ok", "as 07048935"), "\(run)")
        // A shorter warning window turns the warning off.
        let relaxed = try await site.check(["--warn-days", "5"])
        #expect(relaxed.statuses("certificates") == ["ok"], "\(relaxed)")
    }

    @Test("a missing key fails the certificate item")
    func missingKey() async throws {
        let site = try CheckSite(.init(cloudPort: try closedLoopbackPort()))
        try FileManager.default.removeItem(atPath: site.certDir + "/client.key")
        let run = try await site.check(cloudTimeout: 1)
        #expect(run.status == 1, "\(run)")
        #expect(run.has("certificates", "fail", "client key: '\(site.certDir)/client.key' does not exist"), "\(run)")
        #expect(run.fix("certificates", "fail").contains("enrol again"))
    }

    @Test("a key readable by others warns")
    func looseKeyMode() async throws {
        let site = try CheckSite(.init(cloudPort: try closedLoopbackPort()))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: site.certDir + "/client.key")
        let run = try await site.check(cloudTimeout: 1)
        #expect(run.has("certificates", "warn", "mode 0644"), "\(run)")
        #expect(run.fix("certificates", "warn") == "chmod 600 \(site.certDir)/client.key (owner: the agent's user)")
    }

    @Test("a plugin changed after pinning fails with hash_mismatch, naming the plugin")
    func tamperedPlugin() async throws {
        let site = try CheckSite(.init())
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: site.lab.pluginDir + "/libagent-example-swift.so"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("plugins", "fail", "com.example.greeter-swift would be refused (hash_mismatch)"), "\(run)")
        #expect(run.fix("plugins", "fail").contains("plugins pin"))
    }

    @Test("a cloud that is down fails the cloud item with the transport's reason")
    func cloudDown() async throws {
        let port = try closedLoopbackPort()
        let site = try CheckSite(.init(cloudPort: port))
        let run = try await site.check(cloudTimeout: 2)
        #expect(run.status == 1, "\(run)")
        #expect(run.statuses("certificates") == ["ok"], "\(run)")
        #expect(run.has("cloud", "fail", "no connection to wss://localhost:\(port) within 2 s: "), "\(run)")
        #expect(run.fix("cloud", "fail").contains("nothing accepts connections at localhost:\(port)"), "\(run)")
    }

    @Test("a Docker socket that does not exist fails the docker item")
    func dockerSocketMissing() async throws {
        let socket = "/tmp/agent-check-no-such-\(UUID().uuidString.prefix(8))/docker.sock"
        let site = try CheckSite(.init(dockerSocket: socket))
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("docker", "fail", "'\(socket)' does not exist"), "\(run)")
        #expect(run.fix("docker", "fail").contains("start Docker"))
    }

    @Test("on a Podman site the docker item checks the Podman service: a socket that does not exist fails it with Podman's fix")
    func podmanSocketMissing() async throws {
        let socket = "/tmp/agent-check-no-such-\(UUID().uuidString.prefix(8))/podman.sock"
        let site = try CheckSite(.init(podmanSocket: socket))
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("docker", "fail", "no answer from the Podman service (socket from the podman plugin's socket)"), "\(run)")
        #expect(run.has("docker", "fail", "'\(socket)' does not exist"), "\(run)")
        #expect(run.fix("docker", "fail").contains("podman.socket"), "\(run)")
    }

    @Test("a corrupt store file fails the store item, naming the file")
    func corruptStoreFile() async throws {
        let site = try CheckSite(.init())
        let store = site.lab.stateDir + "/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let good = #"{"format":1,"namespace":"io.autonomy.runtime","entries":{"a":1}}"#
        try Data(good.utf8).write(to: URL(fileURLWithPath: store + "/io.autonomy.runtime.json"))
        try Data("{\"format\":1,\"namespace\":".utf8).write(to: URL(fileURLWithPath: store + "/com.example.greeter-swift.json"))
        let run = try await site.check()
        #expect(run.status == 1, "\(run)")
        #expect(run.has("store", "fail", "store file \(store)/com.example.greeter-swift.json is corrupt (invalid JSON"), "\(run)")
        #expect(run.fix("store", "fail").contains("move it away"))
        #expect(!run.has("store", "fail", "io.autonomy.runtime"))
    }

    @Test("a record a plugin quarantined is a store warning naming the key and the reason; exit 0")
    func quarantinedRecord() async throws {
        let site = try CheckSite(.init())
        let store = site.lab.stateDir + "/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file: JSONValue = [
            "format": 1, "namespace": "io.autonomy.runtime",
            "entries": [
                "op/1-1": ["schema": 1],
                "quarantine/op/0001-7": [
                    "key": "op/0001-7", "reason": "a journal entry has an unknown shape or schema", "value": ["schema": 9],
                    "at": "2026-12-01T00:00:00.000000Z",
                ],
            ],
        ]
        let path = store + "/io.autonomy.runtime.json"
        try Data(JSONWriter.bytes(file)).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let run = try await site.check()
        #expect(run.status == 0, "\(run)")
        #expect(
            run.has(
                "store", "warn",
                "plugin io.autonomy.runtime quarantined an unreadable record: quarantine/op/0001-7 (was op/0001-7: a journal entry has an unknown shape or schema)"),
            "\(run)")
        #expect(run.fix("store", "warn").contains("delete that key"))
        #expect(run.statuses("store").filter { $0 == "warn" }.count == 1, "only the quarantine key: \(run)")
    }

    @Test("the daemon's health file: a dead pid warns, a failed self-check fails, a live connected daemon is ok")
    func daemonHealthFile() async throws {
        let site = try CheckSite(.init())
        let now = ISO8601DateFormatter().string(from: Date())
        func write(pid: Int32, connected: Bool, selfCheck: String, failures: [JSONValue] = []) throws {
            let report: JSONValue = [
                "pid": .number(Double(pid)), "version": "0.2.0", "started_at": .string(now), "connected": .bool(connected),
                "connected_at": connected ? .string(now) : .null, "self_check": .string(selfCheck),
                "failures": .array(failures), "updated_at": .string(now),
            ]
            try Data(JSONWriter.bytes(report)).write(to: URL(fileURLWithPath: site.lab.stateDir + "/health.json"))
        }
        try write(pid: getpid(), connected: true, selfCheck: "ok")
        var run = try await site.check()
        #expect(run.has("daemon", "ok", "daemon pid \(getpid())"), "\(run)")

        try write(pid: getpid(), connected: false, selfCheck: "ok")
        run = try await site.check()
        #expect(run.has("daemon", "warn", "not connected to the cloud"), "\(run)")

        try write(pid: getpid(), connected: true, selfCheck: "failed", failures: ["plugin x: refused(hash_mismatch)"])
        run = try await site.check()
        #expect(run.status == 1)
        #expect(run.has("daemon", "fail", "failed its self-check: plugin x: refused(hash_mismatch)"), "\(run)")

        try write(pid: Int32.max - 1, connected: true, selfCheck: "ok")
        run = try await site.check()
        #expect(run.status == 0)
        #expect(run.has("daemon", "warn", "is not running"), "\(run)")
    }
}

import AgentJSON
import Foundation
import LabSupport
import Testing

/// The agent's commands that hold the installer's logic, run as the installer runs them: `site-config
/// write` (the document, atomic and idempotent, strict modes, the pins refused with 65) and `status`
/// (the health file: each documented exit status, `--not-before`, `--wait-connected`), and `enroll
/// --keep-installed` (a half pair is 5, a dry run asks nothing). Every documented exit status has a case.
@Suite(.requires(Installer.canRun, "needs root and the built agent"))
struct InstallerCommandTests {
    static let agent = Packaging.buildDirectory + "/orchestrator-agent"

    static func run(_ args: [String]) async throws -> CommandResult {
        try await DockerLab.blocking { try Installer.run([agent] + args, env: ["PATH": Installer.barePath]) }
    }

    static let pin = #"{"id":"io.autonomy.transport-mtls","path":"/usr/lib/orchestrator-agent/plugins/libagent-transport-mtls.so","sha256":"\#(String(repeating: "ab", count: 32))"}"#

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    // MARK: site-config write

    static func siteArgs(_ config: String, _ extra: [String] = []) -> [String] {
        ["site-config", "write", "--config", config, "--cloud-host", "cloud.example", "--cloud-port", "3001",
         "--cert-dir", "/run/secrets/mtls", "--container-name", "orchestrator_agent", "--owner", "0:10001"] + extra
    }

    /// Written with its folder (0750, missing parents 0755) and mode 0640; the same run again
    /// writes nothing (not even an inode); the same document in another layout is not rewritten;
    /// a changed value is; a mode changed by hand is put back without a rewrite.
    @Test func writesTheSiteConfigOnceAndOnlyWhenItChanges() async throws {
        let root = Installer.scratch("site-config")
        let pins = root + "/pins.json"
        try Self.write("[\(Self.pin)]\n", pins)
        let config = root + "/etc/orchestrator-agent/site.json"
        let first = try await Self.run(Self.siteArgs(config, ["--pins", pins]))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "written: \(config)\n")
        #expect(try Installer.modeOwner(config) == "640 0:10001")
        #expect(try Installer.modeOwner(root + "/etc/orchestrator-agent") == "750 0:10001")
        #expect(try Installer.modeOwner(root + "/etc") == "755 0:0")
        let json = try Installer.readJSON(config)
        #expect(jsonAt(json, "state_dir")?.stringValue == "/var/lib/orchestrator-agent")
        #expect(jsonAt(json, "cloud", "host")?.stringValue == "cloud.example")
        #expect(jsonAt(json, "cloud", "port")?.numberValue == 3001)
        #expect(jsonAt(json, "cloud", "cert_dir")?.stringValue == "/run/secrets/mtls")
        #expect(jsonAt(json, "agent", "container_name")?.stringValue == "orchestrator_agent")
        #expect(jsonAt(json, "plugins", "load")?.arrayValue?.count == 1)
        #expect(jsonAt(json, "plugins", "deny")?.arrayValue == [])
        #expect(try Installer.check(["find", root, "-name", "*.tmp-*"]).isEmpty, "no temp file left")

        let before = try Installer.snapshot(root)
        let again = try await Self.run(Self.siteArgs(config, ["--pins", pins]))
        #expect(again.status == 0 && again.stdout == "unchanged: \(config)\n", "\(again.stdout) \(again.stderr)")
        #expect(try Installer.snapshot(root) == before)

        // The same document laid out by hand (the earlier shell installer's layout): unchanged.
        let layout = "{\"state_dir\":\"/var/lib/orchestrator-agent\",\"cloud\":{\"port\":3001,\"host\":\"cloud.example\",\"cert_dir\":\"/run/secrets/mtls\"},"
            + "\"agent\":{\"container_name\":\"orchestrator_agent\"},\"plugins\":{\"load\":[\(Self.pin)],\"deny\":[]}}"
        try layout.write(toFile: config, atomically: false, encoding: .utf8)
        try Installer.check(["chmod", "600", config])
        let laidOut = try Installer.snapshot(root)
        let other = try await Self.run(Self.siteArgs(config, ["--pins", pins]))
        #expect(other.stdout == "unchanged: \(config)\n", "\(other.stderr)")
        #expect(try Installer.read(config) == layout, "not rewritten")
        #expect(try Installer.modeOwner(config) == "640 0:10001", "the mode is put back")
        #expect(try Installer.snapshot(root) != laidOut)

        // A changed value is written; a dry run of another says so and writes nothing.
        let dry = try await Self.run(Self.siteArgs(config, ["--pins", pins, "--cloud-port", "4443", "--dry-run"]))
        #expect(dry.status == 0 && dry.stderr.contains("[dry-run] would write \(config) (mode 0640"), "\(dry.stderr)")
        #expect(try Installer.read(config) == layout)
        let port = try await Self.run(Self.siteArgs(config, ["--pins", pins, "--cloud-port", "4443"]))
        #expect(port.stdout == "written: \(config)\n", "\(port.stderr)")
        #expect(jsonAt(try Installer.readJSON(config), "cloud", "port")?.numberValue == 4443)
    }

    /// No --pins: an empty plugins.load and a warning; no --container-name: no agent section.
    @Test func withoutPinsOrContainerTheSectionsAreEmpty() async throws {
        let config = Installer.scratch("site-config-bare") + "/site.json"
        let r = try await Self.run(["site-config", "write", "--config", config, "--cloud-host", "fd00::1", "--cert-dir", "/root/.mtls"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: no --pins"), "\(r.stderr)")
        let json = try Installer.readJSON(config)
        #expect(jsonAt(json, "plugins", "load")?.arrayValue == [])
        #expect(jsonAt(json, "agent") == nil)
        #expect(jsonAt(json, "cloud", "host")?.stringValue == "fd00::1")
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let pins: String?
        let extra: [String]
        let status: Int32
        let message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "pins not JSON", pins: "not json", extra: [], status: 65, message: "config_invalid: the plugin pins"),
        Refusal(name: "pins not an array", pins: #"{"id":"x"}"#, extra: [], status: 65, message: "are not a JSON array"),
        Refusal(name: "a pin without sha256", pins: #"[{"id":"x","path":"/x.so"}]"#, extra: [], status: 65, message: "plugins.load[0].sha256"),
        Refusal(name: "a short sha256", pins: #"[{"id":"x","path":"/x.so","sha256":"abc"}]"#, extra: [], status: 65, message: "must be 64 hex digits"),
        Refusal(name: "an id twice", pins: "[\(pin),\(pin)]", extra: [], status: 65, message: "is listed twice"),
        Refusal(name: "missing pins file", pins: nil, extra: ["--pins", "/nonexistent/pins.json"], status: 65, message: "No such file or directory"),
        Refusal(name: "a bad host", pins: nil, extra: ["--cloud-host", "a b"], status: 65, message: "cloud.host 'a b' is not a host name"),
        Refusal(name: "a bad port", pins: nil, extra: ["--cloud-port", "70000"], status: 65, message: "cloud.port 70000"),
        Refusal(name: "a relative cert dir", pins: nil, extra: ["--cert-dir", "mtls"], status: 65, message: "cloud.cert_dir 'mtls'"),
        Refusal(name: "a folder it cannot make", pins: nil, extra: ["--config", "/proc/self/status/site.json"], status: 1, message: "config_write_failed"),
        Refusal(name: "a bad owner", pins: nil, extra: ["--owner", "agent"], status: 64, message: "--owner must be UID:GID"),
        Refusal(name: "a relative config", pins: nil, extra: ["--config", "site.json"], status: 64, message: "--config must be an absolute path"),
    ]

    /// Each refusal has its exit status and reason, and writes nothing.
    @Test(arguments: refusals)
    func refusesBadInputAndWritesNothing(_ c: Refusal) async throws {
        let root = Installer.scratch("site-config-refused")
        let config = root + "/etc/site.json"
        var extra = c.extra
        if let pins = c.pins {
            try Self.write(pins, root + "/pins.json")
            extra += ["--pins", root + "/pins.json"]
        }
        let r = try await Self.run(Self.siteArgs(config, extra))
        #expect(r.status == c.status, "\(r.stderr)")
        #expect(r.stderr.contains(c.message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc"), "nothing written")
    }

    // MARK: status

    static func health(connected: Bool, check: String = "ok", started: String) -> String {
        #"{"pid":1,"version":"lab","started_at":"\#(started)","connected":\#(connected),"connected_at":null,"self_check":"\#(check)","failures":\#(check == "ok" ? "[]" : #"["plugin x: refused"]"#),"updated_at":"\#(started)"}"#
    }

    struct Look: Sendable, CustomTestStringConvertible {
        let name: String
        let file: String?
        let notBefore: String?
        let status: Int32
        let code: String
        var testDescription: String { name }
    }

    static let looks: [Look] = [
        Look(name: "connected", file: health(connected: true, started: "2026-01-01T00:00:00.5+00:00"), notBefore: "2026-01-01T00:00:01.123456789Z", status: 0, code: "connected"),
        Look(name: "not connected", file: health(connected: false, started: "2026-01-01T00:00:00Z"), notBefore: nil, status: 4, code: "not_connected"),
        Look(name: "self-check failed", file: health(connected: true, check: "failed", started: "2026-01-01T00:00:00Z"), notBefore: nil, status: 4, code: "self_check_failed"),
        Look(name: "no file", file: nil, notBefore: nil, status: 5, code: "no_report"),
        Look(name: "not a health report", file: "{}", notBefore: nil, status: 5, code: "no_report"),
        Look(name: "an earlier process", file: health(connected: true, started: "2020-01-01T00:00:00+00:00"), notBefore: "2026-01-01T00:00:00.000000001Z", status: 5, code: "earlier_process"),
    ]

    @Test(arguments: looks)
    func statusSaysWhatTheHealthFileSays(_ c: Look) async throws {
        let dir = Installer.scratch("status")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let file = c.file { try Self.write(file, dir + "/health.json") }
        let r = try await Self.run(["status", "--state-dir", dir] + (c.notBefore.map { ["--not-before", $0] } ?? []))
        #expect(r.status == c.status, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.hasPrefix("status: \(c.code)\nseen: "), "\(r.stdout)")
        if c.code == "earlier_process" { #expect(r.stdout.contains("health.json is from an earlier process")) }
    }

    @Test(arguments: [["--state-dir", "/x", "--config", "/y"], [], ["--state-dir", "/x", "--not-before", "yesterday"], ["--state-dir", "/x", "--timeout", "0"]])
    func statusRefusesBadUsage(_ args: [String]) async throws {
        let r = try await Self.run(["status"] + args)
        #expect(r.status == 64, "\(r.stderr)")
    }

    /// `--wait-connected` returns once a report of this process says connected (an earlier one
    /// does not count), and after `--timeout` with the last look's status.
    @Test func statusWaitsForConnected() async throws {
        let dir = Installer.scratch("status-wait")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.write(Self.health(connected: true, started: "2020-01-01T00:00:00Z"), dir + "/health.json")
        let since = Date().formatted(.iso8601)
        let timedOut = try await Self.run(["status", "--state-dir", dir, "--not-before", since, "--wait-connected", "--timeout", "2"])
        #expect(timedOut.status == 5 && timedOut.stdout.hasPrefix("status: earlier_process"), "\(timedOut.stdout)")

        let waiter = Task { try await Self.run(["status", "--state-dir", dir, "--not-before", since, "--wait-connected", "--timeout", "60"]) }
        // sleep-audit: input (the agent connects a moment after the wait began)
        try await Task.sleep(for: .milliseconds(1500))
        let now = Date().formatted(.iso8601)
        try Self.write(Self.health(connected: true, started: now), dir + "/.h")
        try FileManager.default.removeItem(atPath: dir + "/health.json")
        try FileManager.default.moveItem(atPath: dir + "/.h", toPath: dir + "/health.json")
        let r = try await waiter.value
        #expect(r.status == 0 && r.stdout.hasPrefix("status: connected"), "\(r.stdout) \(r.stderr)")
    }

    // MARK: enroll --keep-installed

    /// A folder with only one of the pair is exit 5 and stays as it was; an empty one with
    /// `--dry-run` asks the API nothing and writes nothing.
    @Test func keepInstalledRefusesAHalfPairAndADryRunAsksNothing() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let dir = Installer.scratch("keep") + "/mtls"
        try Self.write("-----BEGIN CERTIFICATE-----\n", dir + "/client.crt")
        let before = try Installer.snapshot(dir)
        let args = ["enroll", "--keep-installed", "--api-base", server.apiBase(), "--ca-file", try Installer.pki() + "/ca.pem", "--cert-dir", dir]
        let half = try await Self.run(args)
        #expect(half.status == 5, "\(half.stderr)")
        #expect(half.stderr.contains("installed_unusable: \(dir) holds only one of client.key and client.crt"), "\(half.stderr)")
        #expect(try Installer.snapshot(dir) == before)

        let fresh = Installer.scratch("keep-dry") + "/mtls"
        let dry = try await Self.run(["enroll", "--keep-installed", "--dry-run", "--api-base", server.apiBase(), "--cert-dir", fresh])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stderr.contains("[dry-run] would GET \(server.apiBase())/orchestrators/id"), "\(dry.stderr)")
        #expect(dry.stdout.contains("enrolment: new"))
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try server.requests().isEmpty)
    }
}

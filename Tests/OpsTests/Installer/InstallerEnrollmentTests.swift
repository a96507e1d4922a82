import AgentJSON
import Foundation
import LabSupport
import Synchronization
import Testing

/// scripts/install.sh end to end against the fake enrollment server, files only (`--no-docker`,
/// `--root` in a scratch folder): keys, CSR, the certificate checks, atomic files and their modes,
/// re-runs, `--dry-run`, `--reenroll`, `--uninstall --purge`. The Docker part is in
/// InstallerDockerTests.
@Suite(.requires(Installer.canRun, "needs root, python3, openssl and curl"))
struct InstallerEnrollmentTests {
    /// The flags every enrolment here uses: the lab CA for the API's TLS and the certificate's
    /// chain, and the built agent, whose `enroll` does the enrolment.
    static func baseArgs(_ server: EnrollServer, root: String, mode: String? = nil) throws -> [String] {
        ["--api-base", server.apiBase(mode: mode), "--ca-file", try Installer.pki() + "/ca.pem", "--root", root, "--no-docker",
         "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"]
    }

    // MARK: happy paths

    struct KeyCase: Sendable, CustomTestStringConvertible {
        let args: [String]
        let keyText: String
        var testDescription: String { args.joined(separator: " ") }
    }

    /// RSA-4096 (the installer's default, as `enroll`'s), EC P-256 and RSA-3072; with python3, jq
    /// and openssl off the PATH (as in every installer test: ``Installer/barePath``).
    @Test(arguments: [
        KeyCase(args: [], keyText: "Private-Key: (4096 bit"),
        KeyCase(args: ["--key-type", "ec"], keyText: "ASN1 OID: prime256v1"),
        KeyCase(args: ["--key-type", "rsa", "--rsa-bits", "3072"], keyText: "Private-Key: (3072 bit"),
    ])
    func enrolsAndInstallsTheCheckedCertificate(_ c: KeyCase) async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("happy")
        let r = try await Installer.installAsync(try Self.baseArgs(server, root: root) + c.args)
        #expect(r.status == 0, "\(r.stderr)")
        let certDir = root + "/root/.mtls"
        let key = certDir + "/client.key"
        let crt = certDir + "/client.crt"
        let config = root + "/etc/orchestrator-agent/site.json"

        // Files, modes and owners (--no-docker: the agent user is root).
        #expect(try Installer.files(root) == ["etc/orchestrator-agent/site.json", "root/.mtls/client.crt", "root/.mtls/client.key", "root/.mtls/issuer-ca.pem"])
        #expect(try Installer.modeOwner(certDir) == "700 0:0")
        #expect(try Installer.modeOwner(key) == "600 0:0")
        #expect(try Installer.modeOwner(crt) == "644 0:0")
        #expect(try Installer.modeOwner(root + "/etc/orchestrator-agent") == "750 0:0")
        #expect(try Installer.modeOwner(config) == "640 0:0")
        #expect(try Installer.modeOwner(root + "/var/lib/orchestrator-agent") == "700 0:0")

        // The key is of the asked type; the certificate is for it, with CN = the id, clientAuth,
        // chaining to the CA.
        #expect(try Installer.check(["openssl", "pkey", "-in", key, "-noout", "-text"]).contains(c.keyText))
        #expect(try Installer.publicKey(crt) == Installer.publicKey(key))
        let id = try #require(Installer.summary(r.stdout, "orchestrator id"))
        #expect(id.count == 8 && id.allSatisfy(\.isNumber))
        #expect(try Installer.commonName(crt) == id)
        #expect(try Installer.text(crt).contains("TLS Web Client Authentication"))
        try Installer.check(["openssl", "verify", "-CAfile", try Installer.pki() + "/ca.pem", "-purpose", "sslclient", crt])
        let fingerprint = try Installer.check(["openssl", "x509", "-in", crt, "-noout", "-fingerprint", "-sha256"])
        #expect(Installer.summary(r.stdout, "sha256 fingerprint") == fingerprint.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        // The dates are the certificate's (as openssl reads them), from enroll's output: no openssl in the installer.
        for (label, flag) in [("not before", "-startdate"), ("not after", "-enddate")] {
            let date = try Installer.check(["openssl", "x509", "-in", crt, "-noout", flag]).split(separator: "=").last.map(String.init) ?? ""
            let iso = try Installer.check(["date", "-u", "-d", date.trimmingCharacters(in: .whitespacesAndNewlines), "+%Y-%m-%dT%H:%M:%SZ"])
            #expect(Installer.summary(r.stdout, label) == iso.trimmingCharacters(in: .whitespacesAndNewlines), "\(label)")
        }

        // The site config: valid JSON with the cloud section.
        let json = try Installer.readJSON(config)
        #expect(jsonAt(json, "cloud", "host")?.stringValue == "127.0.0.1")
        #expect(jsonAt(json, "cloud", "port")?.numberValue == 3001)
        #expect(jsonAt(json, "cloud", "cert_dir")?.stringValue == "/root/.mtls")
        #expect(jsonAt(json, "state_dir")?.stringValue == "/var/lib/orchestrator-agent")
        #expect(jsonAt(json, "plugins", "load")?.arrayValue == [])

        // What left the device: one id request and one upload holding only the CSR, for this key,
        // with CN = the id and a clientAuth request; no private key anywhere.
        let requests = try server.requests()
        #expect(requests.map { "\(jsonAt($0, "method")?.stringValue ?? "") \(jsonAt($0, "path")?.stringValue ?? "")" }
            == ["GET /orchestrators/id", "POST /orchestrators/enroll"])
        for req in requests {
            #expect(jsonAt(req, "body")?.stringValue?.contains("PRIVATE KEY") == false)
        }
        let parts = try #require(jsonAt(requests[1], "parts")?.arrayValue)
        #expect(parts.map { jsonAt($0, "name")?.stringValue } == ["csr"])
        let csrText = try #require(jsonAt(parts[0], "text")?.stringValue)
        #expect(csrText.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        #expect(!csrText.contains("PRIVATE"))
        #expect(try Installer.publicKey(pem: csrText) == Installer.publicKey(key))
        let csrFile = Installer.scratch("csr")
        try csrText.write(toFile: csrFile, atomically: false, encoding: .utf8)
        #expect(try Installer.commonName(csrFile) == id)
        #expect(try Installer.text(csrFile).contains("TLS Web Client Authentication"))
        // No temp files left behind, here or in the installer's temp folder.
        #expect(try Installer.check(["find", root, "-name", ".*", "!", "-name", ".mtls"]).isEmpty)
    }

    /// The PATH the installer runs with in these tests has none of python3, jq and openssl (so the
    /// runs above prove it needs none), and the script names none of them as a command.
    @Test func needsNoPython3JqOrOpenssl() async throws {
        for tool in Installer.toolsItDoesWithout + ["python3.11"] {
            let r = try await DockerLab.blocking { try Installer.run(["/bin/bash", "-c", "command -v \(tool)"], env: ["PATH": Installer.barePath]) }
            #expect(r.status == 1, "\(tool) is on the installer's PATH: \(r.stdout)")
        }
        let r = try await DockerLab.blocking { try Installer.run(["/bin/bash", "-c", "command -v sha256sum && command -v mktemp"], env: ["PATH": Installer.barePath]) }
        #expect(r.status == 0, "the tools it does need are there")
        let code = try Installer.read(Installer.script).split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        for tool in Installer.toolsItDoesWithout {
            #expect(!code.contains { $0.contains(tool) }, "scripts/install.sh uses \(tool)")
        }
    }

    @Test func warnsAboutACertificateThatExpiresSoon() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("expiring")
        let r = try await Installer.installAsync(try Self.baseArgs(server, root: root, mode: "expiring"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: client.crt expires in"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: root + "/root/.mtls/client.crt"))
    }

    // MARK: refusals

    struct Refusal: Sendable, CustomTestStringConvertible {
        let mode: String
        let status: Int32
        let message: String
        var testDescription: String { mode }
    }

    static let refusals: [Refusal] = [
        Refusal(mode: "no-clientauth", status: 4, message: "may not be used by a TLS client"),
        Refusal(mode: "expired", status: 4, message: "expired on"),
        Refusal(mode: "not-yet-valid", status: 4, message: "is not valid yet"),
        Refusal(mode: "other-ca", status: 4, message: "does not chain to"),
        Refusal(mode: "other-key", status: 4, message: "a certificate for another key"),
        Refusal(mode: "wrong-cn", status: 4, message: "is not the orchestrator id"),
        Refusal(mode: "not-pem", status: 4, message: "is not a PEM certificate"),
        Refusal(mode: "http500", status: 3, message: "/orchestrators/id answered HTTP 500"),
        Refusal(mode: "enroll500", status: 3, message: "/orchestrators/enroll answered HTTP 500"),
        Refusal(mode: "garbage", status: 3, message: "the answer is not JSON"),
        Refusal(mode: "status-error", status: 3, message: "statusCode 400 (CSR rejected)"),
        Refusal(mode: "bad-id", status: 3, message: "is not a safe identifier"),
    ]

    /// One good installation per process, copied for each case that re-runs over one.
    private static let golden = Mutex<Result<String, InstallerTestError>?>(nil)

    static func goldenInstall() throws -> String {
        try golden.withLock { state in
            let result = state ?? Result { () throws(InstallerTestError) in
                do {
                    let server = try EnrollServer()
                    defer { server.stop() }
                    let root = Installer.scratch("golden")
                    let r = try Installer.install(try baseArgs(server, root: root))
                    guard r.succeeded else { throw InstallerTestError("golden install failed: \(r.stderr)") }
                    return root
                } catch let e as InstallerTestError {
                    throw e
                } catch {
                    throw InstallerTestError("\(error)")
                }
            }
            state = result
            return try result.get()
        }
    }

    /// Every bad answer is refused with its exit code and reason, and nothing is installed: not on
    /// a fresh device, and over an installation (`--reenroll`) the old files stay as they were.
    @Test(arguments: refusals)
    func refusesABadAnswerAndInstallsNothing(_ c: Refusal) async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let fresh = Installer.scratch("refused")
        let r = try await Installer.installAsync(try Self.baseArgs(server, root: fresh, mode: c.mode))
        #expect(r.status == c.status, "\(r.stderr)")
        #expect(r.stderr.contains(c.message), "\(r.stderr)")
        #expect(try Installer.files(fresh) == [], "nothing may be written")
        #expect(!FileManager.default.fileExists(atPath: fresh), "not even a folder")

        let golden = try await DockerLab.blocking { try Self.goldenInstall() }
        let existing = Installer.scratch("refused-over")
        try Installer.check(["cp", "-a", golden, existing])
        let before = try Installer.snapshot(existing)
        let again = try await Installer.installAsync(try Self.baseArgs(server, root: existing, mode: c.mode) + ["--reenroll"])
        #expect(again.status == c.status, "\(again.stderr)")
        #expect(try Installer.snapshot(existing) == before, "the installed files must stay untouched")
    }

    @Test func namesAMissingTool() async throws {
        // A PATH with everything of /usr/bin and /bin except sha256sum and openssl: only the first
        // is named (the summary's fingerprint and dates come from `enroll`, not openssl).
        let bin = Installer.scratch("nosha256sum")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name != "openssl" && name != "sha256sum" {
                _ = symlink(dir + "/" + name, bin + "/" + name)
            }
        }
        let root = Installer.scratch("nosha256sum-root")
        let r = try await Installer.installAsync(["--root", root, "--no-docker"], env: ["PATH": bin])
        #expect(r.status == 1)
        #expect(r.stderr.contains("missing tool: sha256sum (Debian: apt-get install coreutils)"), "\(r.stderr)")
        #expect(!r.stderr.contains("openssl"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    /// Files only, no package and no --agent-bin: nothing to enrol with, said before anything is
    /// asked or written.
    @Test func namesAMissingAgent() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("noagent")
        let r = try await Installer.installAsync(["--api-base", server.apiBase(), "--ca-file", try Installer.pki() + "/ca.pem",
                                                  "--root", root, "--no-docker"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("missing tool: orchestrator-agent"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root))
        #expect(try server.requests().isEmpty)
    }

    @Test(arguments: [
        ["--api-base", "http://127.0.0.1:1"], ["--key-type", "dsa"], ["--rsa-bits", "2048"], ["--agent-image", "Not A Ref"],
        ["--purge"], ["--root", "relative/dir"], ["--cert-dir", "/a/../b"], ["--agent-user", "agent"], ["--bogus"], ["--api-base"],
        ["--from-python-agent"], ["--takeover-timeout", "30"], ["--uninstall", "--from-python-agent"],
    ])
    func refusesBadUsage(_ args: [String]) async throws {
        let root = Installer.scratch("usage")
        let r = try await Installer.installAsync(["--root", root, "--no-docker"] + args)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("see --help"))
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    // MARK: re-runs

    /// A re-run with a valid installed certificate asks the API nothing and changes no file (not
    /// even an inode or an mtime); it finds the issuer CA it saved the first time.
    @Test func rerunChangesNothing() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("rerun")
        let first = try await Installer.installAsync(try Self.baseArgs(server, root: root))
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Installer.snapshot(root)
        let asked = try server.requests().count
        let again = try await Installer.installAsync(["--api-base", server.apiBase(), "--root", root, "--no-docker", "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("already enrolled as"))
        #expect(try Installer.snapshot(root) == before)
        #expect(try server.requests().count == asked, "no request to the API")
        #expect(Installer.summary(again.stdout, "orchestrator id") == Installer.summary(first.stdout, "orchestrator id"))
        // The reused certificate's summary comes from `enroll --verify-installed`.
        for label in ["sha256 fingerprint", "not before", "not after"] {
            #expect(Installer.summary(again.stdout, label) == Installer.summary(first.stdout, label) && Installer.summary(first.stdout, label)?.isEmpty == false, "\(label)")
        }
    }

    /// `--dry-run` sends nothing and writes nothing: on a fresh device and over an installation.
    @Test func dryRunChangesNothing() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let fresh = Installer.scratch("dry")
        let r = try await Installer.installAsync(try Self.baseArgs(server, root: fresh) + ["--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("[dry-run] would GET"))
        #expect(r.stderr.contains("[dry-run] would write \(fresh)/etc/orchestrator-agent/site.json"))
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try server.requests().isEmpty)

        let installed = Installer.scratch("dry-installed")
        try Installer.check(["cp", "-a", try await DockerLab.blocking { try Self.goldenInstall() }, installed])
        let before = try Installer.snapshot(installed)
        for extra in [["--reenroll"], ["--key-type", "rsa", "--cloud-port", "4443"], ["--uninstall", "--purge"]] {
            let d = try await Installer.installAsync(try Self.baseArgs(server, root: installed) + ["--dry-run"] + extra)
            #expect(d.status == 0, "\(extra): \(d.stderr)")
            #expect(d.stderr.contains("[dry-run] would"), "\(extra): \(d.stderr)")
            #expect(try Installer.snapshot(installed) == before, "\(extra)")
        }
        #expect(try server.requests().isEmpty)
    }

    /// The cert folder the Python agent's installer left (an RSA-4096 key in the traditional PEM
    /// form, its subject, no copy of the CA) is reused as it is. Without the CA that issued it the
    /// chain check fails (exit 5) and the message names --issuer-ca; with it, no request goes to
    /// the API, the key and certificate keep their bytes, owner, mode and inode, and the CA is
    /// saved so that a later run needs no flag and changes nothing.
    @Test func reusesThePythonAgentsCertificate() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let python = try await DockerLab.blocking { try Installer.pythonAgentCertificate() }
        let root = Installer.scratch("python-cert")
        try FileManager.default.createDirectory(atPath: root + "/root", withIntermediateDirectories: true)
        try Installer.check(["cp", "-a", python, root + "/root/.mtls"])
        let certDir = root + "/root/.mtls"
        #expect(try Installer.read(certDir + "/client.key").hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(try Installer.files(certDir) == ["client.crt", "client.key"])
        let pair = try Installer.snapshot(certDir)

        let noCA = try await Installer.installAsync(["--api-base", server.apiBase(), "--root", root, "--no-docker", "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"])
        #expect(noCA.status == 5, "\(noCA.stderr)")
        #expect(noCA.stderr.contains("does not chain to") && noCA.stderr.contains("checked against the system trust store"), "\(noCA.stderr)")
        #expect(noCA.stderr.contains("give that CA with --issuer-ca"), "\(noCA.stderr)")
        #expect(try Installer.snapshot(certDir) == pair)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc"))

        let ca = try Installer.pki() + "/ca.pem"
        let r = try await Installer.installAsync(["--api-base", server.apiBase(), "--issuer-ca", ca, "--root", root, "--no-docker", "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("already enrolled as \(Installer.pythonAgentID)"), "\(r.stderr)")
        #expect(Installer.summary(r.stdout, "orchestrator id") == Installer.pythonAgentID)
        let after = try Installer.snapshot(certDir).split(separator: "\n").filter { !$0.hasPrefix("issuer-ca.pem|") && !$0.hasPrefix("|") }
        #expect(after == pair.split(separator: "\n").filter { !$0.hasPrefix("|") }, "client.key and client.crt untouched")
        #expect(try Installer.read(certDir + "/issuer-ca.pem") == Installer.read(ca))
        #expect(try Installer.modeOwner(certDir + "/issuer-ca.pem") == "644 0:0")
        #expect(try server.requests().isEmpty)

        let files = try Installer.snapshot(root)
        let again = try await Installer.installAsync(["--api-base", server.apiBase(), "--root", root, "--no-docker", "--agent-bin", Packaging.buildDirectory + "/orchestrator-agent"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Installer.snapshot(root) == files)
    }

    /// `--reenroll` makes a new key and id and keeps the previous pair as *.prev.
    @Test func reenrollKeepsThePreviousPair() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("reenroll")
        let first = try await Installer.installAsync(try Self.baseArgs(server, root: root))
        #expect(first.status == 0, "\(first.stderr)")
        let dir = root + "/root/.mtls"
        let oldKey = try Installer.read(dir + "/client.key")
        let oldCrt = try Installer.read(dir + "/client.crt")
        let second = try await Installer.installAsync(try Self.baseArgs(server, root: root) + ["--reenroll"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(Installer.summary(second.stdout, "orchestrator id") != Installer.summary(first.stdout, "orchestrator id"))
        #expect(try Installer.read(dir + "/client.key.prev") == oldKey)
        #expect(try Installer.read(dir + "/client.crt.prev") == oldCrt)
        #expect(try Installer.read(dir + "/client.key") != oldKey)
        #expect(try Installer.modeOwner(dir + "/client.key.prev") == "600 0:0")
        #expect(try Installer.publicKey(dir + "/client.crt") == Installer.publicKey(dir + "/client.key"))
    }

    /// An installed certificate that no longer fits (here: one for another key) is not silently
    /// replaced: the run stops with exit 5 and asks for --reenroll.
    @Test func unusableInstalledCertificateAsksForReenroll() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let root = Installer.scratch("unusable")
        try Installer.check(["cp", "-a", try await DockerLab.blocking { try Self.goldenInstall() }, root])
        try Installer.check(["cp", try Installer.pki() + "/client2.crt", root + "/root/.mtls/client.crt"])
        let before = try Installer.snapshot(root)
        let r = try await Installer.installAsync(try Self.baseArgs(server, root: root))
        #expect(r.status == 5)
        #expect(r.stderr.contains("--reenroll"), "\(r.stderr)")
        #expect(try Installer.snapshot(root) == before)
        #expect(try server.requests().isEmpty)
    }

    /// `--uninstall --purge --no-docker` shreds the key and removes what the installer wrote, and
    /// only that: a foreign file keeps its folder.
    @Test func purgeRemovesOnlyWhatItWrote() async throws {
        let root = Installer.scratch("purge")
        try Installer.check(["cp", "-a", try await DockerLab.blocking { try Self.goldenInstall() }, root])
        try "keep me\n".write(toFile: root + "/root/.mtls/notes.txt", atomically: false, encoding: .utf8)
        let keep = try await Installer.installAsync(["--uninstall", "--no-docker", "--root", root])
        #expect(keep.status == 0, "\(keep.stderr)")
        #expect(try Installer.files(root).contains("root/.mtls/client.key"), "without --purge the files stay")
        let r = try await Installer.installAsync(["--uninstall", "--purge", "--no-docker", "--root", root])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("shred \(root)/root/.mtls/client.key"))
        #expect(try Installer.files(root) == ["root/.mtls/notes.txt"])
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/orchestrator-agent"))
        #expect(!FileManager.default.fileExists(atPath: root + "/var/lib/orchestrator-agent"))
    }
}

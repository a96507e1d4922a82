import AgentJSON
import Foundation
import LabSupport
import Testing

/// `orchestrator-agent enroll` against the fake enrollment API (scripts/lab/enroll-server.py,
/// its certificates signed by `openssl ca`): the key made here, only the CSR sent, every bad
/// answer refused with its exit status and nothing written, the files atomic with strict modes.
/// About 10 s (RSA-4096 key generation is ~1-2 s each).
@Suite("enroll: orchestrator-agent enroll against the fake enrollment API", .requires(Installer.canRun, "needs root, python3, openssl and curl"))
struct EnrollCommandTests {
    static let agent = Packaging.buildDirectory + "/orchestrator-agent"

    func enroll(_ server: EnrollServer, mode: String? = nil, certDir: String, _ extra: [String] = []) async throws -> CommandResult {
        let args = [Self.agent, "enroll", "--api-base", server.apiBase(mode: mode), "--ca-file", try Installer.pki() + "/ca.pem",
                    "--cert-dir", certDir] + extra
        return try await DockerLab.blocking { try Installer.run(args) }
    }

    struct KeyCase: Sendable, CustomTestStringConvertible {
        let args: [String]
        let keyText: String
        var testDescription: String { args.isEmpty ? "default (RSA-4096)" : args.joined(separator: " ") }
    }

    @Test(arguments: [
        KeyCase(args: [], keyText: "Private-Key: (4096 bit"),
        KeyCase(args: ["--key-type", "ec"], keyText: "ASN1 OID: prime256v1"),
        KeyCase(args: ["--key-type", "rsa", "--rsa-bits", "3072"], keyText: "Private-Key: (3072 bit"),
    ])
    func enrolsAndInstallsTheCheckedCertificate(_ c: KeyCase) async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let certDir = Installer.scratch("enroll") + "/etc/mtls"
        let r = try await enroll(server, certDir: certDir, c.args)
        #expect(r.status == 0, "\(r.stderr)")
        let key = certDir + "/client.key", crt = certDir + "/client.crt"
        #expect(try Installer.files(certDir) == ["client.crt", "client.key", "issuer-ca.pem"])
        #expect(try Installer.modeOwner(certDir) == "700 0:0")
        #expect(try Installer.modeOwner(key) == "600 0:0")
        #expect(try Installer.modeOwner(crt) == "644 0:0")
        #expect(try Installer.check(["openssl", "pkey", "-in", key, "-noout", "-text"]).contains(c.keyText))
        #expect(try Installer.publicKey(crt) == Installer.publicKey(key))
        let id = try #require(Installer.summary(r.stdout, "orchestrator id"))
        #expect(try Installer.commonName(crt) == id)
        try Installer.check(["openssl", "verify", "-CAfile", try Installer.pki() + "/ca.pem", "-purpose", "sslclient", crt])
        let fingerprint = try Installer.check(["openssl", "x509", "-in", crt, "-noout", "-fingerprint", "-sha256"])
        #expect(Installer.summary(r.stdout, "sha256 fingerprint") == fingerprint.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try Installer.read(certDir + "/issuer-ca.pem") == Installer.read(try Installer.pki() + "/ca.pem"))

        // What left the device: the id request and one upload holding only the CSR for this key,
        // CN = the id, asking for clientAuth; no private key anywhere.
        let requests = try server.requests()
        #expect(requests.map { "\(jsonAt($0, "method")?.stringValue ?? "") \(jsonAt($0, "path")?.stringValue ?? "")" }
            == ["GET /orchestrators/id", "POST /orchestrators/enroll"])
        for request in requests { #expect(jsonAt(request, "body")?.stringValue?.contains("PRIVATE KEY") == false) }
        let parts = try #require(jsonAt(requests[1], "parts")?.arrayValue)
        #expect(parts.map { jsonAt($0, "name")?.stringValue } == ["csr"])
        let csr = try #require(jsonAt(parts[0], "text")?.stringValue)
        #expect(csr.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----") && !csr.contains("PRIVATE"))
        #expect(try Installer.publicKey(pem: csr) == Installer.publicKey(key))
        let csrFile = Installer.scratch("csr")
        try csr.write(toFile: csrFile, atomically: false, encoding: .utf8)
        #expect(try Installer.commonName(csrFile) == id)
        #expect(try Installer.text(csrFile).contains("TLS Web Client Authentication"))
        #expect(try Installer.check(["find", certDir, "-name", ".*"]).isEmpty, "no temporary file left")
        // The installed pair passes `check`'s certificate item (the same code judged it).
        let site = Installer.scratch("site") + ".json"
        try Data(#"{"state_dir":"\#(Installer.scratch("state"))","cloud":{"host":"127.0.0.1","port":1,"cert_dir":"\#(certDir)","ca_bundle":"\#(try Installer.pki())/ca.pem"}}"#.utf8)
            .write(to: URL(fileURLWithPath: site))
        let check = try await DockerLab.blocking { try Installer.run([Self.agent, "check", "--config", site, "--json", "--cloud-timeout", "1"]) }
        let items = try JSONParser.parse(check.stdout).arrayValue ?? []
        let certificates = items.first { jsonAt($0, "item")?.stringValue == "certificates" }
        #expect(jsonAt(certificates, "status")?.stringValue == "ok", "\(check.stdout)")
    }

    typealias Refusal = InstallerEnrollmentTests.Refusal

    /// Each bad answer: its exit status and reason, nothing written — not on a fresh device, and
    /// over an installed pair the files stay byte for byte. (The fake server's bad answers, as the
    /// installer's test lists them: the installer enrols through this command.)
    @Test(arguments: InstallerEnrollmentTests.refusals)
    func refusesABadAnswerAndInstallsNothing(_ c: Refusal) async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let fresh = Installer.scratch("refused") + "/mtls"
        let r = try await enroll(server, mode: c.mode, certDir: fresh, ["--key-type", "ec"])
        #expect(r.status == c.status, "\(r.stderr)")
        #expect(r.stderr.contains(c.message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fresh), "not even the folder")

        let installed = Installer.scratch("installed") + "/mtls"
        #expect(try await enroll(server, certDir: installed, ["--key-type", "ec"]).status == 0)
        let before = try Installer.snapshot(installed)
        let again = try await enroll(server, mode: c.mode, certDir: installed, ["--key-type", "ec"])
        #expect(again.status == c.status, "\(again.stderr)")
        #expect(try Installer.snapshot(installed) == before, "the installed pair stays untouched")
    }

    @Test("a certificate close to expiry is installed with a warning; enrolling again keeps the previous pair as .prev")
    func expiringAndReenrol() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let certDir = Installer.scratch("again") + "/mtls"
        let first = try await enroll(server, mode: "expiring", certDir: certDir, ["--key-type", "ec"])
        #expect(first.status == 0 && first.stderr.contains("warning: client.crt expires in"), "\(first.stderr)")
        let firstKey = try Installer.read(certDir + "/client.key")
        let second = try await enroll(server, certDir: certDir, ["--key-type", "ec"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Installer.read(certDir + "/client.key.prev") == firstKey)
        #expect(try Installer.read(certDir + "/client.key") != firstKey)
        #expect(try Installer.modeOwner(certDir + "/client.key.prev") == "600 0:0")
    }

    @Test("--verify-installed: an installed pair gives its id (exit 0, nothing changed); a certificate for another key is unusable (exit 5)")
    func verifyInstalled() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let certDir = Installer.scratch("verify") + "/mtls"
        let first = try await enroll(server, certDir: certDir, ["--key-type", "ec"])
        #expect(first.status == 0, "\(first.stderr)")
        let before = try Installer.snapshot(certDir)
        let ca = try Installer.pki() + "/ca.pem"
        let ok = try await DockerLab.blocking {
            try Installer.run([Self.agent, "enroll", "--verify-installed", "--cert-dir", certDir, "--issuer-ca", ca])
        }
        #expect(ok.status == 0 && Installer.summary(ok.stdout, "orchestrator id") == Installer.summary(first.stdout, "orchestrator id"), "\(ok.stderr)")
        for label in ["sha256 fingerprint", "not before", "not after"] {
            #expect(Installer.summary(ok.stdout, label) == Installer.summary(first.stdout, label) && Installer.summary(ok.stdout, label) != nil, "\(label)")
        }
        #expect(try Installer.snapshot(certDir) == before)
        try Installer.check(["cp", try Installer.pki() + "/client2.crt", certDir + "/client.crt"])
        let bad = try await DockerLab.blocking {
            try Installer.run([Self.agent, "enroll", "--verify-installed", "--cert-dir", certDir, "--issuer-ca", ca])
        }
        #expect(bad.status == 5 && bad.stderr.contains("installed_unusable") && bad.stderr.contains("does not belong to the certificate"), "\(bad.stderr)")
        #expect(try server.requests().count == 2, "only the first enrolment asked the API")
    }

    @Test("the API's TLS: a CA that did not issue its certificate, and a name the certificate does not carry, are refused (exit 3)")
    func apiTLS() async throws {
        let server = try await EnrollServer.start()
        defer { server.stop() }
        let certDir = Installer.scratch("tls") + "/mtls"
        let rogue = try await DockerLab.blocking {
            try Installer.run([Self.agent, "enroll", "--api-base", server.apiBase(), "--ca-file", try Installer.pki() + "/rogue-ca.pem",
                               "--cert-dir", certDir, "--key-type", "ec"])
        }
        #expect(rogue.status == 3, "\(rogue.stderr)")
        let byName = try await DockerLab.blocking {
            try Installer.run([Self.agent, "enroll", "--api-base", "https://[::ffff:127.0.0.1]:\(server.port)", "--ca-file", try Installer.pki() + "/ca.pem",
                               "--cert-dir", certDir, "--key-type", "ec"])
        }
        #expect(byName.status == 3, "\(byName.stderr)")
        #expect(try server.requests().isEmpty, "no request got through")
        #expect(!FileManager.default.fileExists(atPath: certDir))
    }

    @Test("usage errors exit 64: http, a bad key type or size, a relative folder, a bad owner")
    func usage() async throws {
        for args in [["--api-base", "http://127.0.0.1:1"], ["--key-type", "dsa"], ["--rsa-bits", "2048"], ["--cert-dir", "relative"],
                     ["--owner", "agent"]] {
            let r = try await DockerLab.blocking { try Installer.run([Self.agent, "enroll", "--cert-dir", "/tmp/unused-mtls"] + args) }
            #expect(r.status == 64, "\(args): \(r.stderr)")
        }
    }
}

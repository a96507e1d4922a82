import AgentJSON
import Foundation
import LabSupport
import Synchronization

/// Paths and helpers of the installer tests: scripts/install.sh, the fake enrollment server
/// (scripts/lab/enroll-server.py) and a throwaway PKI (scripts/lab/make-pki.sh), all under
/// `/tmp/ops-inst-<pid>/`, removed at exit.
enum Installer {
    /// The package root (this file is Tests/OpsTests/Installer/InstallerSupport.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let script = packageRoot + "/scripts/install.sh"
    static let serverScript = packageRoot + "/scripts/lab/enroll-server.py"
    static let makePKI = packageRoot + "/scripts/lab/make-pki.sh"
    static let doc = packageRoot + "/docs/installation.md"

    /// Root (the installer chowns and writes as root), bash, python3, openssl and curl.
    static let canRun: Bool = {
        guard getuid() == 0 else { return false }
        return ["python3", "openssl", "curl", "bash"].allSatisfy { (try? CommandRunner.run(["which", $0]).succeeded) == true }
    }()

    /// Tools first from /usr/bin: Debian's docker CLI (the lab engine's own version) rather than
    /// another one earlier in PATH.
    static let path: String = {
        let rest = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return "/usr/bin:/bin:/usr/sbin:/sbin" + (rest.isEmpty ? "" : ":" + rest)
    }()

    /// The tools the installer must do without: it parses no JSON and reads no certificate itself
    /// (the agent's `enroll`, `site-config write` and `status` do).
    static let toolsItDoesWithout = ["python3", "jq", "openssl"]

    /// A PATH holding every command of /usr/bin, /bin, /usr/sbin and /sbin but python3 (and every
    /// other python*), jq and openssl: the installer runs with it in every test.
    static let barePath: String = {
        let bin = scratch("bare-bin")
        try? FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)  // harmless: a missing folder fails every run below, loudly
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []  // harmless: a missing folder has no tools
            where !name.hasPrefix("python") && !toolsItDoesWithout.contains(name) {
                _ = symlink(dir + "/" + name, bin + "/" + name)
            }
        }
        return bin
    }()

    // MARK: scratch folders

    static let base = "/tmp/ops-inst-\(getpid())"
    private static let counter = Mutex(0)

    /// A fresh path under the base folder (not created).
    static func scratch(_ name: String) -> String {
        cleanup
        let n = counter.withLock { c in
            c += 1
            return c
        }
        return "\(base)/\(name)-\(n)"
    }

    /// At exit: stops the servers still running (by PID) and removes the base folder.
    private static let cleanup: Void = {
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        atexit {
            for pid in Installer.servers.withLock({ $0 }) {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            try? FileManager.default.removeItem(atPath: "/tmp/ops-inst-\(getpid())")
        }
    }()

    static let servers = Mutex<Set<pid_t>>([])

    private static let pkiState = Mutex<Result<String, InstallerTestError>?>(nil)

    /// The throwaway PKI (make-pki.sh: lab CA, rogue CA, server certificate for 127.0.0.1), made
    /// once per process.
    static func pki() throws -> String {
        try pkiState.withLock { state in
            let result = state ?? Result { () throws(InstallerTestError) in
                let dir = scratch("pki")
                try check([makePKI, dir])
                return dir
            }
            state = result
            return try result.get()
        }
    }

    private static let pythonCertState = Mutex<Result<String, InstallerTestError>?>(nil)

    /// The CN of ``pythonAgentCertificate()``.
    static let pythonAgentID = "07048950"

    /// A cert folder as the Python agent's installer leaves it (spec §8): `client.key` an RSA-4096
    /// key in the traditional PEM form (`BEGIN RSA PRIVATE KEY`), `client.crt` for the subject
    /// `C=BR, ST=SP, L=SaoPaulo, O=AutonomyLogic, OU=Production, CN=<id>`, root-owned, modes 0700,
    /// 0600, 0644, no copy of the CA and nothing else. Signed here by the lab CA (`ca.pem`): what
    /// the cloud puts in the certificate is not known here beyond what that installer checks
    /// (`SSL client : Yes`, which with a keyUsage needs digitalSignature), so it gets the CSR's
    /// keyEncipherment and dataEncipherment plus digitalSignature, and clientAuth. Made once per
    /// process; copy it (`cp -a`).
    static func pythonAgentCertificate() throws -> String {
        let ca = try pki()
        return try pythonCertState.withLock { state in
            let result = state ?? Result { () throws(InstallerTestError) in
                let dir = scratch("python-mtls")
                let script = #"""
                    set -eu
                    d="$1" pki="$2" cn="$3"
                    mkdir -m 700 "$d"
                    openssl genrsa -traditional -out "$d/client.key" 4096 2>/dev/null
                    chmod 600 "$d/client.key"
                    openssl req -new -key "$d/client.key" -out "$d/client.csr" \
                        -subj "/C=BR/ST=SP/L=SaoPaulo/O=AutonomyLogic/OU=Production/CN=$cn"
                    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment\nextendedKeyUsage=clientAuth\n' >"$d/ext"
                    openssl x509 -req -in "$d/client.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -set_serial 0x50595448 \
                        -days 825 -extfile "$d/ext" -out "$d/client.crt" 2>/dev/null
                    chmod 644 "$d/client.crt"
                    rm -f "$d/client.csr" "$d/ext"
                    """#
                try check(["/bin/sh", "-c", script, "sh", dir, ca, pythonAgentID])
                return dir
            }
            state = result
            return try result.get()
        }
    }

    // MARK: commands

    /// Runs `argv` with extra environment variables (through env(1)) and PATH = ``path``.
    static func run(_ argv: [String], env: [String: String] = [:], timeout: Double = 120) throws(InstallerTestError) -> CommandResult {
        var vars = ["PATH": path]
        for (k, v) in env { vars[k] = v }
        let prefix = ["/usr/bin/env"] + vars.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        do {
            return try CommandRunner.run(prefix + argv, timeout: timeout)
        } catch {
            throw InstallerTestError("\(argv.first ?? ""): \(error)")
        }
    }

    /// Runs `argv`; fails unless it exits 0. Returns stdout.
    @discardableResult
    static func check(_ argv: [String], env: [String: String] = [:], timeout: Double = 120) throws(InstallerTestError) -> String {
        let r = try run(argv, env: env, timeout: timeout)
        guard r.succeeded else {
            throw InstallerTestError("\(argv.joined(separator: " ")) exited \(r.status)\nstdout: \(r.stdout.suffix(3000))\nstderr: \(r.stderr.suffix(3000))")
        }
        return r.stdout
    }

    /// Runs scripts/install.sh with `args`, PATH = ``barePath`` (no python3, jq or openssl) unless
    /// `env` sets another.
    static func install(_ args: [String], env: [String: String] = [:]) throws -> CommandResult {
        try run(["/bin/bash", script] + args, env: ["PATH": barePath].merging(env) { $1 }, timeout: 180)
    }

    /// ``install(_:env:)`` off the cooperative pool.
    static func installAsync(_ args: [String], env: [String: String] = [:]) async throws -> CommandResult {
        try await DockerLab.blocking { try install(args, env: env) }
    }

    // MARK: files

    /// Every entry under `dir` (relative path, type, mode, owner, size, inode, mtime), sorted; ""
    /// when `dir` does not exist. Equal snapshots: nothing was written, replaced or chmod-ed.
    static func snapshot(_ dir: String) throws -> String {
        guard FileManager.default.fileExists(atPath: dir) else { return "" }
        return try check(["find", dir, "-printf", "%P|%y|%m|%U:%G|%s|%i|%T@\\n"]).split(separator: "\n").sorted().joined(separator: "\n")
    }

    /// Regular files under `dir` (relative paths).
    static func files(_ dir: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        return try check(["find", dir, "-type", "f", "-printf", "%P\\n"]).split(separator: "\n").map(String.init).sorted()
    }

    /// `mode uid:gid` of a path, e.g. `600 0:0`.
    static func modeOwner(_ path: String) throws -> String {
        try check(["stat", "-c", "%a %u:%g", path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func readJSON(_ path: String) throws -> JSONValue { try JSONParser.parse(try read(path)) }

    // MARK: openssl

    /// The public key (PEM) of a certificate, key or CSR file.
    static func publicKey(_ path: String) throws -> String {
        let text = try read(path)
        if text.contains("BEGIN CERTIFICATE REQUEST") { return try check(["openssl", "req", "-in", path, "-noout", "-pubkey"]) }
        if text.contains("BEGIN CERTIFICATE") { return try check(["openssl", "x509", "-in", path, "-noout", "-pubkey"]) }
        return try check(["openssl", "pkey", "-in", path, "-pubout"])
    }

    /// The public key of PEM text (a CSR, a certificate).
    static func publicKey(pem: String) throws -> String {
        let f = scratch("pem")
        try pem.write(toFile: f, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: f) }
        return try publicKey(f)
    }

    /// `openssl x509|req -text` of a file.
    static func text(_ path: String) throws -> String {
        let kind = try read(path).contains("BEGIN CERTIFICATE REQUEST") ? "req" : "x509"
        return try check(["openssl", kind, "-in", path, "-noout", "-text"])
    }

    /// The subject CN of a certificate or CSR file.
    static func commonName(_ path: String) throws -> String {
        let kind = try read(path).contains("BEGIN CERTIFICATE REQUEST") ? "req" : "x509"
        let subject = try check(["openssl", kind, "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"])
        guard let range = subject.range(of: "CN=") else { return "" }
        return String(subject[range.upperBound...].prefix { $0 != "," && $0 != "\n" })
    }

    /// The installer's summary line `label: value` from its stdout.
    static func summary(_ stdout: String, _ label: String) -> String? {
        for line in stdout.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix(label + ":") { return t.dropFirst(label.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}

/// The fake enrollment API (scripts/lab/enroll-server.py) on 127.0.0.1, with its own request record.
final class EnrollServer: Sendable {
    let pid: pid_t
    let port: Int
    let recordPath: String
    let logPath: String

    /// Starts it in mode `mode` (a URL prefix `/mode/<m>` overrides it per request).
    init(mode: String = "good") throws {
        let dir = Installer.scratch("server")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let record = dir + "/requests.jsonl"
        let log = dir + "/server.log"
        let pki = try Installer.pki()
        let python = (try? CommandRunner.check(["which", "python3"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? "python3"
        let child = try CommandRunner.spawnBackground(
            [python, Installer.serverScript, "--pki", pki, "--port", "0", "--mode", mode, "--record", record], log: log)
        Installer.servers.withLock { _ = $0.insert(child) }
        var found: Int?
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY ") })
            {
                found = Int(line.dropFirst(6))
            } else {
                usleep(20_000)  // sleep-audit: poll (the interval of a wait with a deadline)
            }
        }
        guard let found else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            Installer.servers.withLock { _ = $0.remove(child) }
            throw InstallerTestError("enroll-server.py did not print READY: \(text)")
        }
        pid = child
        port = found
        recordPath = record
        logPath = log
    }

    /// Async start, off the cooperative pool.
    static func start(mode: String = "good") async throws -> EnrollServer {
        try await DockerLab.blocking { try EnrollServer(mode: mode) }
    }

    /// The API base; with `mode`, one that makes the server answer in that mode.
    func apiBase(mode: String? = nil) -> String {
        "https://127.0.0.1:\(port)" + (mode.map { "/mode/" + $0 } ?? "")
    }

    /// What it received, one JSON object per request.
    func requests() throws -> [JSONValue] {
        guard let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Stops it (SIGTERM, reaped).
    func stop() {
        guard Installer.servers.withLock({ $0.remove(pid) }) != nil else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { stop() }
}

struct InstallerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import AgentCore
import AgentEnroll
import ArgumentParser
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// `orchestrator-agent enroll`: enrols this device with the enrollment API and installs the
/// checked key and certificate (docs/installation.md, "Enrolment").
struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol this device: make a key here, send a CSR, check the certificate, install both.",
        discussion: """
            The key is made on the device (RSA-4096 unless --key-type ec) and never leaves it: only a \
            CSR whose CN is the orchestrator id the API hands out is sent. The returned certificate \
            is checked with `check`'s certificate code (key, CN = the id, EKU clientAuth, validity, \
            chain to --issuer-ca / --ca-file / the system store) before anything is written; then \
            client.key (0600), client.crt (0644) and issuer-ca.pem go into --cert-dir (0700) \
            atomically, the previous pair kept as *.prev.
            Prints `orchestrator id: …`, `key: …`, `certificate: …`, `sha256 fingerprint: …`, \
            `not before: …`, `not after: …` (ISO 8601, UTC).
            With --verify-installed it enrols nothing: it checks the pair already in --cert-dir the \
            same way (chain to --issuer-ca / --ca-file / the system store) and prints its id, \
            fingerprint and validity.
            With --keep-installed (an installer's re-run) a valid pair already in --cert-dir is kept: \
            nothing is asked of the API, owners and modes are corrected where they differ and the \
            anchor is saved as issuer-ca.pem when there is no copy; a half or unusable pair is exit 5; \
            with no pair it enrols. The line `enrolment: new` or `enrolment: kept` follows the id.
            Without --issuer-ca and --ca-file the anchor is the issuer-ca.pem saved in --cert-dir, \
            else the system store. --dry-run asks and writes nothing: it checks an installed pair and \
            prints what it would do on stderr (`[dry-run] would …`).
            Exit status: 0 installed or kept (warnings on stderr), 1 a local failure (files), 3 the API \
            failed or refused, 4 the certificate was refused (nothing installed), 5 the installed pair \
            is unusable (--verify-installed, --keep-installed), 64 a usage error.
            """)

    @Flag(help: "Check the pair already in --cert-dir and print its id; enrol nothing.")
    var verifyInstalled = false

    @Flag(help: "Keep a valid pair already in --cert-dir (correcting owners and modes); enrol only when there is none.")
    var keepInstalled = false

    @Flag(help: "Ask and write nothing: check an installed pair, print what would be done.")
    var dryRun = false

    @Option(help: "The enrollment API's base URL (https).")
    var apiBase: String = "https://api.autonomylogic.com"

    @Option(help: "CA bundle for the API's TLS, and the issuer CA unless --issuer-ca (default: the system store).")
    var caFile: String?

    @Option(help: "CA bundle the client certificate must chain to.")
    var issuerCA: String?

    @Option(help: "Folder of client.key and client.crt.")
    var certDir: String = "/etc/orchestrator-agent/mtls"

    @Option(help: "rsa or ec (P-256).")
    var keyType: String = "rsa"

    @Option(help: "RSA key size: 3072 or 4096.")
    var rsaBits: Int = 4096

    @Option(help: "Warn when the certificate expires within this many days.")
    var expiryWarnDays: Int = 30

    @Option(help: "UID:GID that owns the folder and the files (the agent's user; default: the caller).")
    var owner: String?

    @Option(help: "Seconds each API call may take.")
    var timeout: Int64 = 30

    func validate() throws {
        guard ["rsa", "ec"].contains(keyType) else { throw ValidationError("--key-type must be rsa or ec") }
        guard [3072, 4096].contains(rsaBits) else { throw ValidationError("--rsa-bits must be 3072 or 4096") }
        guard certDir.hasPrefix("/"), !certDir.split(separator: "/").contains("..") else {
            throw ValidationError("--cert-dir must be an absolute path without '..'")
        }
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout must be 1…600 seconds") }
        guard (0...3650).contains(expiryWarnDays) else { throw ValidationError("--expiry-warn-days must be 0…3650") }
        guard !(verifyInstalled && keepInstalled) else { throw ValidationError("--verify-installed and --keep-installed exclude each other") }
        _ = try parsedOwner()
    }

    private func parsedOwner() throws -> (uid: uid_t, gid: gid_t)? { try OwnerOption.parse(owner) }

    func run() async throws {
        let owner = try parsedOwner()
        let options = Enrollment.Options(
            apiBase: apiBase, caFile: caFile, issuerCA: issuerCA, certDirectory: certDir,
            keyKind: keyType == "ec" ? .ecP256 : .rsa(bits: rsaBits), warnDays: expiryWarnDays, owner: owner,
            timeoutSeconds: timeout)
        let anchor = Enrollment.anchor(issuerCA: issuerCA, caFile: caFile, certDirectory: certDir)
        do throws(EnrollError) {
            if verifyInstalled {
                let (id, certificate, warnings) = try await InstalledPair.verify(certDirectory: certDir, anchor: anchor, warnDays: expiryWarnDays)
                warn(warnings)
                print("orchestrator id: \(id)")
                for line in certificate.lines { print(line) }
                return
            }
            if keepInstalled,
                let kept = try await KeptPair.keep(certDirectory: certDir, anchor: anchor, warnDays: expiryWarnDays, owner: owner, dryRun: dryRun)
            {
                warn(kept.warnings)
                for note in kept.notes { StandardStreams.writeError(dryRun ? "[dry-run] \(note)\n" : "\(note)\n") }
                print("orchestrator id: \(kept.id)")
                print("enrolment: kept")
                for line in kept.certificate.lines { print(line) }
                return
            }
            if dryRun {
                try dryRunEnrolment(options)
                return
            }
            let outcome = try await Enrollment.run(options)
            warn(outcome.warnings)
            print("orchestrator id: \(outcome.id)")
            print("enrolment: new")
            print("key: \(outcome.keyPath)")
            print("certificate: \(outcome.certPath)")
            for line in outcome.certificate.lines { print(line) }
        } catch {
            StandardStreams.writeError("error: \(error.code.rawValue): \(error.message)\n")
            throw ExitCode(error.code.exitStatus)
        }
    }

    private func warn(_ warnings: [String]) {
        for warning in warnings { StandardStreams.writeError("warning: \(warning)\n") }
    }

    /// What an enrolment would do, on stderr; nothing is asked (an id request reserves an id).
    private func dryRunEnrolment(_ options: Enrollment.Options) throws(EnrollError) {
        for line in try Enrollment.plan(options) { StandardStreams.writeError("[dry-run] \(line)\n") }
        print("orchestrator id: <new id>")
        print("enrolment: new")
    }
}

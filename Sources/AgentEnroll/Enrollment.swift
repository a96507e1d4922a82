import AgentCheck
import Crypto
import FoundationEssentials
import NIOCore
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#endif

/// `orchestrator-agent enroll`: a key made on the device, a CSR with the orchestrator id as CN,
/// the enrollment API's certificate checked — with `check`'s own certificate code (key match,
/// CN, EKU clientAuth, validity, chain) plus "CN is the id we were given" — and only then the
/// files installed (``CertFiles``). A refused certificate leaves nothing behind.
public enum Enrollment {
    /// What to do.
    public struct Options: Sendable {
        /// `https://HOST[:PORT][/PREFIX]`.
        public var apiBase: String
        /// CA bundle for the API's TLS, and the issuer CA unless ``issuerCA`` is given; nil: the
        /// system trust store.
        public var caFile: String?
        /// CA bundle the issued certificate must chain to.
        public var issuerCA: String?
        /// The folder of `client.key` / `client.crt`.
        public var certDirectory: String
        /// The key to make (RSA-4096 by default).
        public var keyKind: DeviceKey.Kind
        /// Warn when the certificate expires within this many days.
        public var warnDays: Int
        /// Owner of the folder and the files (the agent's user); nil: the caller.
        public var owner: (uid: uid_t, gid: gid_t)?
        /// The deadline of each API call.
        public var timeoutSeconds: Int64

        /// The options; only the API and the folder have no default.
        public init(
            apiBase: String, caFile: String? = nil, issuerCA: String? = nil, certDirectory: String,
            keyKind: DeviceKey.Kind = .rsa(bits: 4096), warnDays: Int = 30, owner: (uid: uid_t, gid: gid_t)? = nil,
            timeoutSeconds: Int64 = 30
        ) {
            self.apiBase = apiBase
            self.caFile = caFile
            self.issuerCA = issuerCA
            self.certDirectory = certDirectory
            self.keyKind = keyKind
            self.warnDays = warnDays
            self.owner = owner
            self.timeoutSeconds = timeoutSeconds
        }
    }

    /// What was installed.
    public struct Outcome: Sendable {
        /// The orchestrator id (the certificate's CN).
        public let id: String
        /// Where the key was installed.
        public let keyPath: String
        /// Where the certificate was installed.
        public let certPath: String
        /// The certificate's fingerprint and validity.
        public let certificate: CertificateSummary
        /// Findings that did not stop the installation (expiry within the warning window).
        public let warnings: [String]
    }

    /// The system's CA bundle, the chain's anchor when no CA is given.
    static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// Enrols and installs.
    /// - Throws: ``EnrollError``: `usage` (arguments), `api` (the API failed or refused),
    ///   `certificateRefused` (the returned certificate fails a check; nothing written), `local`.
    public static func run(_ options: Options) async throws(EnrollError) -> Outcome {
        let url = try APIURL(options.apiBase)
        let api = EnrollmentAPI(https: EnrollHTTPS(url: url, trust: options.caFile, timeout: .seconds(options.timeoutSeconds)))
        let anchor = anchor(issuerCA: options.issuerCA, caFile: options.caFile, certDirectory: options.certDirectory)
            ?? (FileManager.default.fileExists(atPath: systemBundle) ? systemBundle : nil)
        let id = try await api.orchestratorID()
        let key = try DeviceKey.make(options.keyKind)
        let pem = try await api.enroll(csrPEM: try key.csrPEM(commonName: id))
        let leaf = try leafCertificate(pem)
        let cn = commonName(of: leaf)
        guard cn == id else {
            throw EnrollError(.certificateRefused, "the certificate's CN '\(cn ?? "")' is not the orchestrator id '\(id)'")
        }
        guard leaf.publicKey == key.publicKey else {
            throw EnrollError(.certificateRefused, "the API returned a certificate for another key (not the one of this CSR)")
        }
        let warnings = try await check(key: key.pem, certificate: pem, anchor: anchor, warnDays: options.warnDays)
        var issuer: [UInt8]?
        if let anchor, anchor != systemBundle {
            do { issuer = Array(try Data(contentsOf: URL(fileURLWithPath: anchor))) } catch {
                throw EnrollError(.local, "cannot read the issuer CA '\(anchor)' to keep it: \(error)")
            }
        }
        let files = CertFiles(directory: options.certDirectory, owner: options.owner)
        try files.install(key: key.pem, certificate: pem, issuerCA: issuer)
        return Outcome(
            id: id, keyPath: files.keyPath, certPath: files.certPath, certificate: try CertificateSummary(leaf), warnings: warnings)
    }

    /// What ``run(_:)`` would do, one line a step (`would GET …`), for a dry run: nothing is asked.
    /// - Throws: ``EnrollError`` `usage` for an unusable API base.
    public static func plan(_ options: Options) throws(EnrollError) -> [String] {
        let url = try APIURL(options.apiBase)
        let key = options.keyKind.description
        let dir = options.certDirectory
        return [
            "would GET \(url.base)/orchestrators/id for a new orchestrator id (skipped: it reserves an id)",
            "would make the \(key) key on this device and a CSR with CN=<id>, EKU clientAuth",
            "would POST the CSR (field csr) to \(url.base)/orchestrators/enroll and check the certificate",
            "would install \(dir)/client.key (0600) and \(dir)/client.crt (0644) in \(dir) (0700)",
        ]
    }

    /// The CA bundle a client certificate must chain to: `issuerCA`, else `caFile`, else the copy
    /// an earlier enrolment saved as `issuer-ca.pem` in `certDirectory`; nil: the system store.
    public static func anchor(issuerCA: String?, caFile: String?, certDirectory: String) -> String? {
        let saved = certDirectory + "/issuer-ca.pem"
        return issuerCA ?? caFile ?? (FileManager.default.fileExists(atPath: saved) ? saved : nil)
    }

    /// The first certificate of the PEM the API returned.
    static func leafCertificate(_ pem: String) throws(EnrollError) -> Certificate {
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw EnrollError(.certificateRefused, "the API's data.certificate is not a PEM certificate: \(pem.prefix(60))")
        }
        do {
            let documents = try PEMDocument.parseMultiple(pemString: pem).filter { $0.discriminator == "CERTIFICATE" }
            guard let first = documents.first else { throw EnrollError(.certificateRefused, "no PEM certificate in data.certificate") }
            return try Certificate(pemDocument: first)
        } catch let error as EnrollError {
            throw error
        } catch {
            throw EnrollError(.certificateRefused, "the API's data.certificate is not a PEM certificate that parses: \(error)")
        }
    }

    static func commonName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let cn = String(attribute.value) { return cn }
            }
        }
        return nil
    }

    /// `check`'s certificate item on the pair, staged in a private temporary folder (0700; the
    /// key file 0600; removed before returning). Fails become `certificateRefused`; warnings are
    /// returned.
    static func check(key: String, certificate: String, anchor: String?, warnDays: Int) async throws(EnrollError) -> [String] {
        var template = Array("/tmp/orchestrator-enroll.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw EnrollError(.local, "cannot make a private temporary folder: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }  // harmless: this run's 0700 scratch folder
        do throws(EnrollError) {
            try CertFiles(directory: folder, owner: nil).install(key: key, certificate: certificate, issuerCA: nil)
        } catch {
            throw EnrollError(.local, "cannot stage the pair for its check: \(error.message)")
        }
        let findings = await ClientCertificateCheck.run(
            certPath: folder + "/client.crt", keyPath: folder + "/client.key", caBundle: anchor, warnDays: warnDays)
        let failures = findings.filter { $0.status == CheckStatus.fail }.map { $0.detail.replacing(folder + "/", with: "") }
        guard failures.isEmpty else { throw EnrollError(.certificateRefused, failures.joined(separator: "; ")) }
        return findings.filter { $0.status == CheckStatus.warn }.map { $0.detail.replacing(folder + "/", with: "") }
    }
}

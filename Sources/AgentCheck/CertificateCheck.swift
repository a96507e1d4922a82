import FoundationEssentials
import X509

#if canImport(Glibc)
import Glibc
#endif

/// Item 2: the client certificate, its key and the CA, read from where the transport reads them.
///
/// Fails: a file missing or unreadable, a certificate or key that does not parse, a key that is
/// not the certificate's, no CN (the agent id), an EKU without clientAuth, not valid now, not
/// chaining to the CA. Warns: a key readable by group or others, expiry within `--warn-days`.
enum CertificateCheck {
    static func run(_ cloud: CloudFiles, options: CheckOptions) async -> [CheckResult] {
        var problems: [CheckResult] = []
        let chain = loadCertificates(cloud.certPath, into: &problems)
        let key = loadKey(cloud.keyPath, into: &problems)
        guard let leaf = chain?.first else { return problems }
        var facts: [String] = []

        if let key, key.publicKey != leaf.publicKey {
            problems.append(
                .fail(
                    .certificates, "the key \(cloud.keyPath) does not belong to the certificate \(cloud.certPath)",
                    fix: "install the key and certificate of the same enrolment (the key made with the CSR), or enrol again"))
        }
        if let cn = commonName(of: leaf) {
            facts.append("CN \(cn) (the agent id)")
        } else {
            problems.append(
                .fail(
                    .certificates, "\(cloud.certPath) has no subject CN, so the agent would report its id as UNKNOWN",
                    fix: "enrol again: the CSR's CN must be the orchestrator id"))
        }
        checkUsage(leaf, path: cloud.certPath, facts: &facts, problems: &problems)
        checkValidity(leaf, path: cloud.certPath, options: options, facts: &facts, problems: &problems)
        if let ca = options.clientCA ?? cloud.caBundle {
            await checkChain(chain ?? [], ca: ca, now: options.now, facts: &facts, problems: &problems)
        } else {
            facts.append("chain not checked (no cloud.ca_bundle and no --client-ca)")
        }
        guard problems.isEmpty else { return problems }
        return [.ok(.certificates, "\(cloud.certPath): " + facts.joined(separator: ", ") + "; key \(cloud.keyPath) matches")]
    }

    // MARK: the files

    private static func loadCertificates(_ path: String, into problems: inout [CheckResult]) -> [Certificate]? {
        do throws(CheckError) {
            return try PEMFiles.certificates(at: path)
        } catch {
            let fix: String
            switch error.code {
            case .missing:
                fix = "install the client certificate from enrolment as \(path) (scripts/install.sh does), "
                    + "or point cloud.cert_dir / cloud.cert_file at it"
            case .permissionDenied: fix = "run check as the agent's user (root), or let that user read \(path)"
            default:
                fix = "\(path) must hold the PEM client certificate first and its intermediates after it; install it again from enrolment"
            }
            problems.append(.fail(.certificates, "client certificate: \(error.message)", fix: fix))
            return nil
        }
    }

    private static func loadKey(_ path: String, into problems: inout [CheckResult]) -> Certificate.PrivateKey? {
        // harmless: a key that cannot be stat'ed fails the load just below, with its reason
        if let facts = try? FileFacts.of(path), facts.groupOrOtherAccess {
            problems.append(
                .warn(
                    .certificates, "the private key \(path) is accessible to group or others (mode \(facts.modeText))",
                    fix: "chmod 600 \(path) (owner: the agent's user)"))
        }
        do throws(CheckError) {
            return try PEMFiles.privateKey(at: path)
        } catch {
            let fix: String
            switch error.code {
            case .missing:
                fix = "put the private key made with the CSR at \(path) (or set cloud.key_file); "
                    + "the key never leaves the device, so if it is lost enrol again (scripts/install.sh)"
            case .permissionDenied: fix = "run check as the agent's user (root), or let that user read \(path)"
            default:
                fix = "\(path) must be an unencrypted PEM key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY) matching the certificate"
            }
            problems.append(.fail(.certificates, "client key: \(error.message)", fix: fix))
            return nil
        }
    }

    // MARK: the certificate's content

    private static func commonName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let cn = String(attribute.value), !cn.isEmpty { return cn }
            }
        }
        return nil
    }

    private static func checkUsage(
        _ leaf: Certificate, path: String, facts: inout [String], problems: inout [CheckResult]
    ) {
        do {
            guard let usage = try leaf.extensions.extendedKeyUsage else {
                facts.append("no EKU (any use)")
                return
            }
            if usage.contains(.clientAuth) {
                facts.append("EKU clientAuth")
            } else {
                problems.append(
                    .fail(
                        .certificates, "\(path) may not be used by a TLS client (extended key usage: \(usage))",
                        fix: "have the certificate issued with extendedKeyUsage=clientAuth (enrol again)"))
            }
        } catch {
            problems.append(
                .fail(.certificates, "\(path) has an unreadable extended key usage: \(error)", fix: "enrol again"))
        }
    }

    private static func checkValidity(
        _ leaf: Certificate, path: String, options: CheckOptions, facts: inout [String], problems: inout [CheckResult]
    ) {
        let now = options.now
        let days = Int((leaf.notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down))
        if now < leaf.notValidBefore {
            problems.append(
                .fail(
                    .certificates, "\(path) is not valid yet: valid from \(show(leaf.notValidBefore))",
                    fix: "check the device clock (timedatectl, NTP); if the clock is right, the certificate was issued for later"))
        } else if now > leaf.notValidAfter {
            problems.append(
                .fail(
                    .certificates, "\(path) expired on \(show(leaf.notValidAfter)); the cloud refuses it",
                    fix: "renew it: enrol again (scripts/install.sh); the agent uses the new files at its next connection"))
        } else if days < options.warnDays {
            problems.append(
                .warn(
                    .certificates, "\(path) expires in \(days) day(s), on \(show(leaf.notValidAfter))",
                    fix: "renew it before then: enrol again (scripts/install.sh); no restart needed"))
        } else {
            facts.append("valid until \(show(leaf.notValidAfter)) (\(days) days)")
        }
    }

    private static func checkChain(
        _ chain: [Certificate], ca: String, now: Date, facts: inout [String], problems: inout [CheckResult]
    ) async {
        guard let leaf = chain.first else { return }
        let roots: [Certificate]
        do throws(CheckError) {
            roots = try PEMFiles.certificates(at: ca)
        } catch {
            problems.append(
                .fail(
                    .certificates, "CA bundle: \(error.message)",
                    fix: "install the cloud's CA certificate (PEM) at \(ca), or correct cloud.ca_bundle"))
            return
        }
        switch await CertificateChain.verify(leaf: leaf, intermediates: Array(chain.dropFirst()), roots: roots) {
        case .verified(let path):
            if let expired = path.dropFirst().first(where: { $0.notValidAfter < now }) {
                problems.append(
                    .fail(
                        .certificates, "the CA certificate \(expired.subject) in the chain expired on \(show(expired.notValidAfter))",
                        fix: "install the renewed CA certificate (\(ca)) and the intermediates issued with it"))
            } else if let early = path.dropFirst().first(where: { $0.notValidBefore > now }) {
                problems.append(
                    .fail(
                        .certificates, "the CA certificate \(early.subject) in the chain is valid only from \(show(early.notValidBefore))",
                        fix: "check the device clock (timedatectl, NTP)"))
            } else {
                facts.append("issued by \(leaf.issuer), chains to \(ca)")
            }
        case .notVerified(let why):
            problems.append(
                .fail(
                    .certificates, "the client certificate is \(why)",
                    fix: "install a certificate issued by your cloud's CA (enrol again), or correct cloud.ca_bundle / --client-ca"))
        }
    }

    /// `2029-02-28 09:21 UTC`.
    static func show(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)) UTC"
    }
}

import FoundationEssentials

/// `check`'s certificate item on any key and certificate pair, for callers other than `check`
/// (`orchestrator-agent enroll` checks what the enrollment API returned with it before installing
/// it): the key matches, a subject CN, EKU clientAuth, valid now, chains to `caBundle`, expiry
/// within `warnDays` a warning.
public enum ClientCertificateCheck {
    /// The findings on the PEM files at `certPath` (leaf first) and `keyPath`, the chain checked
    /// against `caBundle` (nil: not checked).
    public static func run(certPath: String, keyPath: String, caBundle: String?, warnDays: Int = 30, now: Date = Date()) async
        -> [CheckResult]
    {
        let files = CloudFiles(host: "", port: 0, certPath: certPath, keyPath: keyPath, caBundle: caBundle)
        return await CertificateCheck.run(files, options: CheckOptions(configPath: "", warnDays: warnDays, now: now))
    }
}

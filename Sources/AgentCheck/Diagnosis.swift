import AgentCore

/// `orchestrator-agent check`: looks at everything a site needs, in ``CheckItem`` order, and
/// reports each finding with how to fix it. Never throws and never changes anything on the
/// site: the only thing it starts is a temporary transport in its own temporary state folder.
public enum Diagnosis {
    /// Runs every check. When the config is unusable the other items are skipped (they all
    /// need it).
    public static func run(_ options: CheckOptions) async -> CheckReport {
        let (loaded, configResults) = ConfigCheck.run(path: options.configPath)
        guard let config = loaded else {
            let skipped = CheckItem.allCases.dropFirst().map {
                CheckResult.skip($0, "skipped: the site config is unusable", fix: "fix the config item first")
            }
            return CheckReport(configResults + skipped)
        }
        var results = configResults

        // The cloud section, as the transport reads it, feeds the certificate and cloud items.
        do throws(CheckError) {
            let cloud = try CloudFiles.from(config)
            if let cloud {
                results += await CertificateCheck.run(cloud, options: options)
            } else {
                results.append(.skip(.certificates, "no cloud section: no client certificate to check"))
            }
            results.append(await CloudCheck.run(config: config, cloud: cloud, options: options))
        } catch {
            results.append(
                .fail(.certificates, "cloud section: \(error.message)", fix: "correct the cloud section (docs/cloud-protocol.md)"))
            results.append(.skip(.cloud, "skipped: the cloud section is unusable", fix: "fix the certificates item first"))
        }
        results.append(await DockerCheck.run(config: config, options: options))
        results.append(await NetmonCheck.run(config: config, options: options))
        results += await PluginCheck.run(config: config)
        results += await StoreCheck.run(stateDir: config.stateDirectory)
        results.append(DaemonCheck.run(stateDir: config.stateDirectory, now: options.now))
        return CheckReport(results)
    }
}

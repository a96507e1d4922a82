import AgentCore

/// Item 1: the site config parses and validates exactly as the daemon reads it.
enum ConfigCheck {
    /// - Returns: the config when it is usable, and what to report.
    static func run(path: String) -> (SiteConfig?, [CheckResult]) {
        let config: SiteConfig
        do throws(AgentCoreError) {
            config = try SiteConfig.load(path: path)
        } catch {
            let fix: String
            if let field = error.field {
                fix = "correct '\(field)' in \(path) (see docs/configuration.md), then run check again"
            } else if FileFacts.exists(path) {
                fix = "make \(path) a JSON object as in docs/configuration.md (a JSON linter shows the position)"
            } else {
                fix = "give the site config's path with --config (the installer writes /etc/orchestrator-agent/site.json)"
            }
            return (nil, [.fail(.config, error.message, fix: fix)])
        }
        let loaded = config.plugins.filter { !config.deny.contains($0.id) }.map(\.id)
        var results: [CheckResult] = [
            .ok(
                .config,
                "\(path) is valid: \(loaded.count) plugin(s) to load"
                    + (loaded.isEmpty ? "" : " (\(loaded.joined(separator: ", ")))") + ", state_dir \(config.stateDirectory)")
        ]
        // harmless: the file was just loaded; a stat failing now only skips the permission warning
        if let facts = try? FileFacts.of(path), facts.groupOrOtherWritable {
            results.append(
                .warn(
                    .config, "\(path) is writable by group or others (mode \(facts.modeText)): whoever can write it chooses the plugins the agent loads",
                    fix: "chmod go-w \(path)"))
        }
        return (config, results)
    }
}

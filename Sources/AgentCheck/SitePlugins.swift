import AgentJSON
import AgentCore

/// The first-party plugins the diagnosis knows by id, found in the site's `plugins.load`.
enum SitePlugins {
    static let transportID = "io.autonomy.transport-mtls"
    static let dockerID = "io.autonomy.docker"
    static let podmanID = "io.autonomy.podman"
    static let netmonID = "io.autonomy.netmon"

    /// The entry with `id`, if the site loads it (nil when absent or denied).
    static func entry(_ id: String, in config: SiteConfig) -> SiteConfig.PluginEntry? {
        config.plugins.first { $0.id == id && !config.deny.contains($0.id) }
    }

    /// The transport's entry: `io.autonomy.transport-mtls`, else the first other allowed entry
    /// whose id names a transport (which plugin registers `agent.transport` is only known after
    /// loading it; a site with its own transport plugin gives it such an id).
    static func transport(in config: SiteConfig) -> SiteConfig.PluginEntry? {
        entry(transportID, in: config)
            ?? config.plugins.first { $0.id.contains("transport") && !config.deny.contains($0.id) }
    }

    /// A string setting of a plugin's `config` object.
    static func setting(_ key: String, of entry: SiteConfig.PluginEntry) -> String? {
        entry.config[key]?.stringValue
    }
}

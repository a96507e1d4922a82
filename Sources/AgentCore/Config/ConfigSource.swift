import Synchronization

/// The current site config, swapped atomically on reload (SIGHUP).
///
/// Topic and feature toggles are read from here at use time, so a reload takes effect for the
/// next message. The plugin set is fixed at start: a reload that changes `plugins` is applied to
/// toggles only and reported by ``reload()`` (a restart applies it).
public final class ConfigSource: Sendable {
    /// Where the config came from (nil when built in memory, e.g. by tests).
    public let path: String?
    private let current: Mutex<SiteConfig>

    public init(_ config: SiteConfig, path: String? = nil) {
        self.path = path
        self.current = Mutex(config)
    }

    /// The config in force now.
    public var config: SiteConfig { current.withLock { $0 } }

    /// Replaces the config in force (toggles take effect at once).
    public func replace(_ config: SiteConfig) { current.withLock { $0 = config } }

    /// Outcome of a reload.
    public struct ReloadOutcome: Sendable {
        /// True when the plugin list changed; it is applied on the next restart.
        public let pluginsChanged: Bool
    }

    /// Re-reads the file. On error the config in force stays unchanged.
    /// - Throws: ``AgentCoreError`` `config_invalid`.
    @discardableResult
    public func reload() throws(AgentCoreError) -> ReloadOutcome {
        guard let path else { throw AgentCoreError(.configInvalid, "this config was not loaded from a file") }
        let fresh = try SiteConfig.load(path: path)
        let changed = current.withLock { old in
            let changed = old.plugins != fresh.plugins || old.deny != fresh.deny
            var merged = fresh
            // The plugin set is fixed for the life of the process.
            merged.plugins = old.plugins
            merged.deny = old.deny
            old = merged
            return changed
        }
        return ReloadOutcome(pluginsChanged: changed)
    }
}

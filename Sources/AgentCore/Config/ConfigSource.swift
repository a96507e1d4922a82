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
    private let changeObservers = Mutex<[ChangeObserver]>([])
    private let overlay = Mutex<(@Sendable (inout SiteConfig) -> Void)?>(nil)

    public init(_ config: SiteConfig, path: String? = nil) {
        self.path = path
        self.current = Mutex(config)
    }

    /// The config in force now.
    public var config: SiteConfig { current.withLock { $0 } }

    /// Replaces the config in force (toggles take effect at once), then tells the change
    /// observers.
    public func replace(_ config: SiteConfig) {
        current.withLock { $0 = config }
        notifyChange()
    }

    /// A change observer: called with the config in force after each ``replace(_:)`` and each
    /// successful ``reload()``, on the caller's thread. It must return quickly, must not throw,
    /// and should read what it needs from the config it is given.
    public typealias ChangeObserver = @Sendable (SiteConfig) -> Void

    /// Adds a change observer for the life of the process (the metrics endpoint starts and
    /// stops with `features.metrics_endpoint` this way).
    public func onChange(_ observer: @escaping ChangeObserver) { changeObservers.withLock { $0.append(observer) } }

    private func notifyChange() {
        let observers = changeObservers.withLock { $0 }
        guard !observers.isEmpty else { return }
        let now = config
        for o in observers { o(now) }
    }

    /// Sets what every ``reload()`` lays over the file before it takes effect (the site toggles
    /// set from the cloud or the local door, which win over the file).
    public func setOverlay(_ apply: @escaping @Sendable (inout SiteConfig) -> Void) { overlay.withLock { $0 = apply } }

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
        var fresh = try SiteConfig.load(path: path)
        if let apply = overlay.withLock({ $0 }) { apply(&fresh) }
        let changed = current.withLock { old in
            let changed = old.plugins != fresh.plugins || old.deny != fresh.deny
            var merged = fresh
            // The plugin set is fixed for the life of the process.
            merged.plugins = old.plugins
            merged.deny = old.deny
            old = merged
            return changed
        }
        notifyChange()
        return ReloadOutcome(pluginsChanged: changed)
    }
}

import Crypto
import Logging
import Synchronization

/// The site toggles of a running agent: the persisted ``SiteToggles``, the config the process
/// started with (its plugin set is fixed), and the one path that changes them
/// (`set_site_toggles`): validate → persist → put into force.
public final class ToggleStore: Sendable {
    let services: AgentServices
    let stateDirectory: String
    /// The config in force when the plugins were loaded (staged plugin changes compare to it).
    let startConfig: SiteConfig
    private let current: Mutex<SiteToggles>
    /// Why the toggles file could not be read at start, if it could not (reported by get_agent_config).
    public let loadError: String?

    init(services: AgentServices, toggles: SiteToggles, loadError: String?) {
        self.services = services
        self.stateDirectory = services.config.config.stateDirectory
        self.startConfig = services.config.config
        self.current = Mutex(toggles)
        self.loadError = loadError
    }

    /// The toggles in force.
    public var toggles: SiteToggles { current.withLock { $0 } }

    /// Applies a validated change: writes the file first (nothing changes when that fails), then
    /// replaces the config in force so topic and feature toggles apply to the next message.
    func apply(_ change: ToggleChange, by origin: CommandOrigin) throws(CoreTopic.Failure) -> SiteToggles {
        let result: Result<SiteToggles, AgentCoreError> = current.withLock { t in
            var next = change.applied(to: t)
            next.updatedAt = Dispatcher.isoNow()
            next.updatedBy = origin.description
            do throws(AgentCoreError) { try next.save(stateDirectory: stateDirectory) } catch { return .failure(error) }
            t = next
            return .success(next)
        }
        switch result {
        case .failure(let e): throw .init("persist_failed", "the toggles were not changed: \(e.message)")
        case .success(let next):
            var config = services.config.config
            // Toggles removed by this change fall back to the file's values (those at start when
            // the file cannot be read now: logged with its code).
            var fresh: SiteConfig? = nil
            do throws(AgentCoreError) {
                fresh = try services.config.path.map { (p: String) throws(AgentCoreError) in try SiteConfig.load(path: p) }
            } catch {
                services.logger.warning(
                    "toggles: the site config could not be read again; removed toggles fall back to its values at start",
                    metadata: ["code": "\(error.code)", "error": "\(error.message)"])
            }
            if let fresh {
                config.topics = fresh.topics
                config.features = fresh.features
            } else {
                config.topics = startConfig.topics
                config.features = startConfig.features
            }
            next.apply(to: &config, plugins: false)
            services.config.replace(config)
            return next
        }
    }

    /// sha256 of a file, lower-case hex (nil when unreadable).
    static func fileSHA256(_ path: String) -> String? {
        guard let bytes = readBytes(path) else { return nil }
        return AuditEntry.hex(SHA256.hash(data: bytes))
    }
}

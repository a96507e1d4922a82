import ContainerEngineSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import AgentJSON
import AgentPluginKit
import Logging
import PodmanEngine

/// `libagent-podman.so`: an `agent.container_driver` speaking Podman's libpod API over the
/// unix socket of a rootful `podman system service` (docs/container-driver.md, "Podman").
///
/// Config (`plugins.load[].config`): `socket` (path or `unix://` URL; else `CONTAINER_HOST`,
/// else `/run/podman/podman.sock`), `call_timeout_ms` (default 30 000), `pull_timeout_ms`
/// (default 600 000). Nothing is contacted at load time.
struct PodmanDriverPlugin: AgentPlugin {
    static let id = "io.autonomy.podman"
    static let version = "0.1.0"

    let driver: PodmanContainerDriver

    init(host: PluginHost, config: JSONObject) throws {
        let settings: DriverSettings
        do {
            settings = try DriverSettings(config: config, containerHost: Self.environment("CONTAINER_HOST"))
        } catch {
            throw PluginError(error)
        }
        let logger = host.logger(label: Self.id)
        logger.info("Podman driver ready", metadata: ["socket": "\(settings.socketPath)"])
        driver = PodmanContainerDriver(service: ContainerDriverService(settings: settings) { line in logger.debug("\(line)") })
    }

    var topics: [Topic] { [] }

    var containerDriver: (any ContainerDriverProvider)? { driver }

    func shutdown() async { driver.cancelSubscriptions() }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: PodmanDriverPlugin.self)
}

import ContainerEngineSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import AgentJSON
import AgentPluginKit
import DockerEngine
import Logging

/// `libagent-docker.so`: the first-party `agent.container_driver`, speaking the Docker Engine API
/// over its unix socket (docs/container-driver.md), and the `agent.upgrader` of an agent that runs
/// in a container (the self-upgrade's container swap on top of those methods; docs/upgrade.md).
///
/// Config (`plugins.load[].config`): `socket` (path or `unix://` URL; else `DOCKER_HOST`, else
/// `/var/run/docker.sock`), `api_version` (e.g. `"1.41"`: skip negotiation), `call_timeout_ms`
/// (default 30 000), `pull_timeout_ms` (default 600 000). Nothing is contacted at load time: the
/// API version is negotiated on the first call.
struct DockerDriverPlugin: AgentPlugin {
    static let id = "io.autonomy.docker"
    static let version = "0.1.0"

    let driver: DockerContainerDriver
    let swap: DockerUpgrader

    init(host: PluginHost, config: JSONObject) throws {
        let settings: DriverSettings
        do {
            settings = try DriverSettings(config: config, dockerHost: Self.environment("DOCKER_HOST"))
        } catch {
            throw PluginError(error)
        }
        let logger = host.logger(label: Self.id)
        logger.info(
            "Docker driver ready",
            metadata: ["socket": "\(settings.socketPath)", "api_version": "\(settings.apiVersion?.description ?? "negotiated")"])
        let service = ContainerDriverService(settings: settings) { line in logger.debug("\(line)") }
        driver = DockerContainerDriver(service: service)
        swap = DockerUpgrader(driver: service) { line in logger.notice("\(line)") }
    }

    var topics: [Topic] { [] }

    var containerDriver: (any ContainerDriverProvider)? { driver }

    var upgrader: (any UpgraderProvider)? { swap }

    func shutdown() async { driver.cancelSubscriptions() }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

@_cdecl("agent_plugin_entry_v1")
public func agentPluginEntryV1(_ hostMajor: UInt32, _ hostMinor: UInt32) -> UnsafeRawPointer {
    PluginExport.descriptor(for: DockerDriverPlugin.self)
}

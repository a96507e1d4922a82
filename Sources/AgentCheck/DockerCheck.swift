import AgentCore
import AgentJSON
import FoundationEssentials

/// Item 4: the Docker engine answers `GET /version` on the socket the driver plugin uses, with
/// Engine API 1.41 (Docker 20.10) or newer. On a site that loads the Podman driver instead, the
/// item is the Podman service's (``PodmanCheck``).
enum DockerCheck {
    /// The oldest Engine API the driver supports.
    static let minimumAPI = [1, 41]

    static func run(config: SiteConfig, options: CheckOptions) async -> CheckResult {
        guard let entry = SitePlugins.entry(SitePlugins.dockerID, in: config) else {
            if let podman = SitePlugins.entry(SitePlugins.podmanID, in: config) {
                return await PodmanCheck.run(podman, options: options)
            }
            return .skip(
                .docker,
                "neither container driver (\(SitePlugins.dockerID), \(SitePlugins.podmanID)) is loaded on this site: no engine to check")
        }
        let socket: String
        let source: String
        switch resolveSocket(entry) {
        case .success(let found): (socket, source) = found
        case .failure(let error):
            return .fail(.docker, error.message, fix: "set the docker plugin's config \"socket\" to the engine's unix socket")
        }
        let timeout = options.socketTimeout
        let result = await Blocking.run {
            Result { () throws(CheckError) in try UnixHTTPGet.get(socket: socket, target: "/version", timeout: timeout) }
        }
        let place = "\(socket) (\(source))"
        switch result {
        case .failure(let error):
            return .fail(.docker, "no answer from the Docker engine (socket from \(source)): \(error.message)", fix: fix(error, socket))
        case .success(let response):
            return judge(response, where: place)
        }
    }

    /// The socket path and where it came from: the plugin's `socket`, `DOCKER_HOST`, the default.
    static func resolveSocket(_ entry: SiteConfig.PluginEntry) -> Result<(String, String), CheckError> {
        if let configured = SitePlugins.setting("socket", of: entry) {
            return unixPath(configured, name: "the docker plugin's socket").map { ($0, "the docker plugin's socket") }
        }
        if let host = ProcessInfo.processInfo.environment["DOCKER_HOST"], !host.isEmpty {
            return unixPath(host, name: "DOCKER_HOST").map { ($0, "DOCKER_HOST") }
        }
        return .success(("/var/run/docker.sock", "the default"))
    }

    static func unixPath(_ value: String, name: String) -> Result<String, CheckError> {
        if value.hasPrefix("unix://") { return .success(String(value.dropFirst("unix://".count))) }
        if value.contains("://") {
            return .failure(CheckError(.invalid, "\(name) is '\(value)', not a unix socket: the driver speaks only unix sockets"))
        }
        return .success(value)
    }

    private static func judge(_ response: UnixHTTPGet.Response, where socket: String) -> CheckResult {
        // handled: a body that is not a JSON object fails the check below
        guard response.status == 200, let info = try? JSONParser.parse(response.body).objectValue,
            let api = info["ApiVersion"]?.stringValue
        else {
            return .fail(
                .docker, "\(socket) answered GET /version with HTTP \(response.status) and no API version: is it a Docker engine?",
                fix: "point the docker plugin's \"socket\" at dockerd's socket")
        }
        let engine = info["Version"]?.stringValue ?? "?"
        let parts = api.split(separator: ".").compactMap { Int($0) }
        guard parts.lexicographicallyPrecedes(minimumAPI) == false else {
            return .fail(
                .docker, "Docker Engine \(engine) at \(socket) speaks Engine API \(api); the driver needs 1.41 or newer",
                fix: "upgrade Docker Engine to 20.10 or newer")
        }
        return .ok(.docker, "Docker Engine \(engine) at \(socket), Engine API \(api) (1.41 or newer needed)")
    }

    private static func fix(_ error: CheckError, _ socket: String) -> String {
        switch error.code {
        case .missing:
            "start Docker (systemctl start docker), or set the docker plugin's \"socket\" (or DOCKER_HOST) to the engine's socket"
        case .connectionRefused: "dockerd is not running (the socket file is stale): start it (systemctl start docker)"
        case .permissionDenied: "run the agent and check as root (or a user in the socket's group) so that \(socket) can be opened"
        case .timeout: "dockerd accepts but does not answer: look at `journalctl -u docker` and restart dockerd"
        default: "check that \(socket) is dockerd's socket and that dockerd is healthy (`docker version`)"
        }
    }
}

import AgentCore
import AgentJSON
import FoundationEssentials

/// Item 4 on a Podman site (the Podman driver loaded, the Docker driver not): the rootful Podman
/// service answers `GET /version` on the socket the driver uses, and it is Podman 4 or newer (the
/// driver speaks libpod's `/v4.0.0` API). Reported under the `docker` item, the site's engine.
enum PodmanCheck {
    /// The oldest Podman the driver supports.
    static let minimumMajor = 4

    static func run(_ entry: SiteConfig.PluginEntry, options: CheckOptions) async -> CheckResult {
        let socket: String
        let source: String
        switch resolveSocket(entry) {
        case .success(let found): (socket, source) = found
        case .failure(let error):
            return .fail(.docker, error.message, fix: "set the podman plugin's config \"socket\" to the service's unix socket")
        }
        let timeout = options.socketTimeout
        let result = await Blocking.run {
            Result { () throws(CheckError) in try UnixHTTPGet.get(socket: socket, target: "/version", timeout: timeout) }
        }
        switch result {
        case .failure(let error):
            return .fail(.docker, "no answer from the Podman service (socket from \(source)): \(error.message)", fix: fix(error, socket))
        case .success(let response):
            return judge(response, where: "\(socket) (\(source))")
        }
    }

    /// The socket path and where it came from: the plugin's `socket`, `CONTAINER_HOST`, the default.
    static func resolveSocket(_ entry: SiteConfig.PluginEntry) -> Result<(String, String), CheckError> {
        if let configured = SitePlugins.setting("socket", of: entry) {
            return DockerCheck.unixPath(configured, name: "the podman plugin's socket").map { ($0, "the podman plugin's socket") }
        }
        if let host = ProcessInfo.processInfo.environment["CONTAINER_HOST"], !host.isEmpty {
            return DockerCheck.unixPath(host, name: "CONTAINER_HOST").map { ($0, "CONTAINER_HOST") }
        }
        return .success(("/run/podman/podman.sock", "the default"))
    }

    private static func judge(_ response: UnixHTTPGet.Response, where socket: String) -> CheckResult {
        // handled: a body that is not a JSON object fails the check below
        let info = response.status == 200 ? try? JSONParser.parse(response.body).objectValue : nil
        let components = info?["Components"]?.arrayValue ?? []
        let podman = components.compactMap(\.objectValue).first { $0["Name"]?.stringValue == "Podman Engine" }
        guard let info, podman != nil, let version = info["Version"]?.stringValue else {
            return .fail(
                .docker, "\(socket) answered GET /version with HTTP \(response.status) and no Podman Engine component: is it a Podman service?",
                fix: "point the podman plugin's \"socket\" at the rootful Podman service's socket")
        }
        let api = info["ApiVersion"]?.stringValue ?? "?"
        guard let major = version.split(separator: ".").first.flatMap({ Int($0) }), major >= minimumMajor else {
            return .fail(
                .docker, "Podman \(version) at \(socket); the driver needs Podman 4 or newer (libpod API v4)",
                fix: "upgrade Podman to 4.3 or newer (Debian 12's podman)")
        }
        return .ok(.docker, "Podman \(version) at \(socket), Docker-compatible API \(api) (Podman 4 or newer needed)")
    }

    private static func fix(_ error: CheckError, _ socket: String) -> String {
        switch error.code {
        case .missing:
            "start the rootful Podman service (systemctl enable --now podman.socket), or set the podman plugin's \"socket\" (or CONTAINER_HOST) to its socket"
        case .connectionRefused: "the Podman service is not running (the socket file is stale): systemctl restart podman.socket"
        case .permissionDenied: "run the agent and check as root so that \(socket) can be opened (the driver needs the rootful service)"
        case .timeout: "the Podman service accepts but does not answer: look at `journalctl -u podman` and restart it"
        default: "check that \(socket) is the Podman service's socket and that it is healthy (`podman --remote info`)"
        }
    }
}

import AgentJSON

/// The one-shot upgrader container (`orchestrator_upgrader`) that `upgrade_orchestrator` starts
/// from the NEW image: it runs `orchestrator-agent upgrade-helper` (the image's entrypoint is
/// the agent), sees exactly the agent container's mounts (Docker socket, state folder, certs:
/// `VolumesFrom` the agent's container), and uses the host network like the agent.
public struct UpgraderPlan: Sendable {
    /// The agent's own container (id and name).
    public var agentID: String
    public var agentName: String
    /// `group_add` of the agent's container (access to the Docker socket for a non-root image).
    public var groupAdd: [String]
    /// The new image.
    public var image: String
    public var deadlineSeconds: Int
    /// The agent's state folder as the agent container sees it (the upgrader sees the same).
    public var stateDirectory: String
    /// The agent's site config path, for the helper to find the Docker driver's settings.
    public var configPath: String?
    /// The journal id of the upgrade, carried into the helper's `last.json`.
    public var operationID: String
    /// The netmon sidecar's new image and container, when it moves too.
    public var netmonImage: String?
    public var netmonContainer: String?
    /// Where the agent's site config comes from when it is mounted (an installer's host file):
    /// the mount's source (host path or volume name) and the config's path below it. The
    /// upgrader gets it read-write at ``siteConfigMount`` to move its plugin pins to the new
    /// image's (and back on a rollback).
    public var siteConfigSource: (source: String, relativePath: String)?

    /// Where the upgrader sees the agent's site config folder read-write.
    public static let siteConfigMount = "/run/upgrade/site-config"

    public init(
        agentID: String, agentName: String, groupAdd: [String], image: String, deadlineSeconds: Int, stateDirectory: String,
        configPath: String?, operationID: String, netmonImage: String? = nil, netmonContainer: String? = nil
    ) {
        self.agentID = agentID
        self.agentName = agentName
        self.groupAdd = groupAdd
        self.image = image
        self.deadlineSeconds = deadlineSeconds
        self.stateDirectory = stateDirectory
        self.configPath = configPath
        self.operationID = operationID
        self.netmonImage = netmonImage
        self.netmonContainer = netmonContainer
    }

    /// The label that marks the upgrader (never `io.autonomy.managed`: it is not a vPLC object).
    public static let roleValue = "upgrader"

    /// The helper's command line (after the image's entrypoint).
    public var command: [String] {
        var c = [
            "upgrade-helper", "--target", agentName, "--image", image, "--deadline", String(deadlineSeconds), "--state-dir",
            stateDirectory, "--operation-id", operationID,
        ]
        if let configPath { c += ["--agent-config", configPath] }
        if let netmonImage, let netmonContainer { c += ["--netmon-image", netmonImage, "--netmon-container", netmonContainer] }
        if let siteConfigSource { c += ["--site-config", Self.siteConfigMount + "/" + siteConfigSource.relativePath] }
        return c
    }

    /// The `container.create` parameters.
    public var createParams: JSONObject {
        var host: JSONObject = [
            "VolumesFrom": [.string(agentID)], "RestartPolicy": ["Name": "no"],
        ]
        if !groupAdd.isEmpty { host["GroupAdd"] = .array(groupAdd.map(JSONValue.string)) }
        if let siteConfigSource { host["Binds"] = [.string(siteConfigSource.source + ":" + Self.siteConfigMount)] }
        return [
            // Root: the site config belongs to root (the agent itself may run as `agent`), and
            // with the engine's socket the upgrader is root-equivalent anyway.
            "name": .string(Naming.upgraderContainer), "image": .string(image), "user": "0",
            "labels": [Naming.roleLabel: .string(Self.roleValue)], "cmd": .array(command.map(JSONValue.string)),
            "host_config": .object(host), "networks": [["network": "host"]],
        ]
    }
}

extension UpgraderPlan {
    /// The mount of `inspect` (the driver's `mounts`) that holds `configPath`, as
    /// ``siteConfigSource``: nil when the config is not on a mount (it is the image's own).
    public static func siteConfigSource(configPath: String, mounts: [JSONValue]) -> (source: String, relativePath: String)? {
        var best: (source: String, destination: String)? = nil
        for m in mounts {
            guard let o = m.objectValue, let dest = o["destination"]?.stringValue, configPath.hasPrefix(dest + "/"),
                dest.count > (best?.destination.count ?? 0)
            else { continue }
            let source = o["type"]?.stringValue == "volume" ? o["name"]?.stringValue : o["source"]?.stringValue
            if let source, !source.isEmpty { best = (source, dest) }
        }
        guard let best else { return nil }
        return (best.source, String(configPath.dropFirst(best.destination.count + 1)))
    }
}

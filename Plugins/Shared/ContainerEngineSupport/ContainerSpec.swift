import AgentJSON

/// What `container.create` makes: a container and its network endpoints.
public struct ContainerSpec: Sendable, Equatable {
    /// The container name (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`).
    public var name: String
    /// The image reference.
    public var image: String
    /// Container labels.
    public var labels: JSONObject
    /// The command, replacing the image's `CMD`; nil keeps the image's.
    public var cmd: [String]?
    /// The entrypoint, replacing the image's `ENTRYPOINT`; nil keeps the image's.
    public var entrypoint: [String]?
    /// `KEY=value` environment entries.
    public var env: [String]?
    /// The user (`name`, `uid`, `uid:gid`) instead of the image's `USER`; nil keeps the image's.
    public var user: String?
    /// Docker `HostConfig` keys (the protocol's vocabulary): the Docker driver passes them
    /// through, other drivers translate the ones they know.
    public var hostConfig: JSONObject
    /// The endpoints, in order; at least one. The first is the container's primary network.
    public var networks: [EndpointSpec]

    public init(
        name: String, image: String, labels: JSONObject = [:], cmd: [String]? = nil, entrypoint: [String]? = nil,
        env: [String]? = nil, user: String? = nil, hostConfig: JSONObject = [:], networks: [EndpointSpec]
    ) {
        self.name = name
        self.image = image
        self.labels = labels
        self.cmd = cmd
        self.entrypoint = entrypoint
        self.env = env
        self.user = user
        self.hostConfig = hostConfig
        self.networks = networks
    }
}

/// One network endpoint of a container.
public struct EndpointSpec: Sendable, Equatable {
    /// The network id or name.
    public var network: String
    /// A static IPv4 address in the network's subnet; nil lets IPAM choose.
    public var ipv4Address: String?
    /// The endpoint's MAC address; nil lets the engine choose (see docs/container-driver.md for
    /// which engines honour it).
    public var macAddress: String?

    public init(network: String, ipv4Address: String? = nil, macAddress: String? = nil) {
        self.network = network
        self.ipv4Address = ipv4Address
        self.macAddress = macAddress
    }
}

import AgentJSON

/// What `network.create` makes.
public struct NetworkSpec: Sendable, Equatable {
    /// The network name (must be unique: the drivers refuse a taken one).
    public var name: String
    /// The driver: `bridge`, `macvlan`, …
    public var driver: String
    /// Whether the network has no route out (`Internal`).
    public var isInternal: Bool
    /// Driver options, e.g. `{"parent": "eth0", "macvlan_mode": "bridge"}`.
    public var options: JSONObject
    /// Network labels.
    public var labels: JSONObject
    /// The IPv4 address plan; nil lets the engine choose.
    public var ipam: IPAMSpec?

    public init(
        name: String, driver: String, isInternal: Bool = false, options: JSONObject = [:], labels: JSONObject = [:],
        ipam: IPAMSpec? = nil
    ) {
        self.name = name
        self.driver = driver
        self.isInternal = isInternal
        self.options = options
        self.labels = labels
        self.ipam = ipam
    }
}

/// One IPv4 address pool.
public struct IPAMSpec: Sendable, Equatable {
    /// CIDR, e.g. `192.168.77.0/24`.
    public var subnet: String
    /// The gateway address; nil lets the engine pick the first.
    public var gateway: String?
    /// CIDR inside `subnet` that IPAM allocates from.
    public var ipRange: String?

    public init(subnet: String, gateway: String? = nil, ipRange: String? = nil) {
        self.subnet = subnet
        self.gateway = gateway
        self.ipRange = ipRange
    }
}

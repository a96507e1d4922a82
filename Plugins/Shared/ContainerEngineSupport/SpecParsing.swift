import AgentJSON

extension ContainerSpec {
    /// `container.create`'s parameters (docs/container-driver.md): `name`, `image`, `labels`
    /// (object), `cmd?`, `entrypoint?`, `env?`, `user?`, `host_config` (object), `networks`
    /// (non-empty array of `{network, ipv4_address?, mac_address?}`).
    /// - Throws: `bad_params` naming the field.
    public init<Failure>(params p: DriverParams<Failure>) throws(Failure) {
        guard p.object["labels"]?.objectValue != nil else { throw Failure.badParams("labels", "'labels' must be an object") }
        guard p.object["host_config"]?.objectValue != nil else {
            throw Failure.badParams("host_config", "'host_config' must be an object")
        }
        let networks = try p.objects("networks") { n throws(Failure) in try EndpointSpec(params: n) }
        self.init(
            name: try p.string("name"), image: try p.string("image"), labels: try p.stringMap("labels"),
            cmd: try p.stringArray("cmd"), entrypoint: try p.stringArray("entrypoint"), env: try p.stringArray("env"),
            user: try p.optionalString("user"), hostConfig: try p.object("host_config"), networks: networks)
    }
}

extension EndpointSpec {
    /// `{network, ipv4_address?, mac_address?}` (a `networks` entry, `network.connect`'s params).
    /// - Throws: `bad_params` naming the field.
    public init<Failure>(params n: DriverParams<Failure>) throws(Failure) {
        self.init(
            network: try n.string("network"), ipv4Address: try n.optionalString("ipv4_address"),
            macAddress: try n.optionalString("mac_address"))
    }
}

extension NetworkSpec {
    /// `network.create`'s parameters: `name`, `driver`, `internal?`, `options?`, `labels?`,
    /// `ipam?: {subnet, gateway?, ip_range?}`.
    /// - Throws: `bad_params` naming the field.
    public init<Failure>(params p: DriverParams<Failure>) throws(Failure) {
        var ipam: IPAMSpec?
        if let v = p.object["ipam"], !v.isNull {
            guard let o = v.objectValue else { throw Failure.badParams("ipam", "'ipam' must be an object") }
            let q = DriverParams<Failure>(o, path: "ipam.")
            ipam = IPAMSpec(subnet: try q.string("subnet"), gateway: try q.optionalString("gateway"), ipRange: try q.optionalString("ip_range"))
        }
        self.init(
            name: try p.string("name"), driver: try p.string("driver"), isInternal: try p.bool("internal", default: false),
            options: try p.stringMap("options"), labels: try p.stringMap("labels"), ipam: ipam)
    }
}

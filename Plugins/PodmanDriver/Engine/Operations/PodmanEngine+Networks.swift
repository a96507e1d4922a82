import AgentJSON
import ContainerEngineSupport
import HTTP1Client

extension PodmanEngine {
    /// `network.create` (libpod). - Returns: the new network's id.
    /// - Throws: `engine_conflict` when the name is taken (Podman checks names itself).
    public func createNetwork(_ spec: NetworkSpec, timeout: Duration) async throws(PodmanEngineError) -> String {
        let json = try await callJSON("POST", "/networks/create", json: .object(try Self.networkBody(spec)), expecting: [200, 201], timeout: timeout)
        return try EngineDialect.podman.requiredString("id", in: try EngineDialect.podman.object(json, what: "network create answer"), what: "network")
    }

    /// The body of libpod's `POST /networks/create`: `options.parent` becomes
    /// `network_interface`, `options.macvlan_mode` the `mode` option, `ipam.ip_range` the
    /// subnet's `lease_range` (its first and last usable address); a bridge without a gateway
    /// gets its subnet's first address (as Docker does); `dns_enabled` is off.
    /// - Throws: `bad_params` (`ipam.ip_range`) for a malformed range.
    static func networkBody(_ spec: NetworkSpec) throws(PodmanEngineError) -> JSONObject {
        var options = spec.options
        // No DNS server per network (netavark would start aardvark-dns): the protocol has none.
        var body: JSONObject = [
            "name": .string(spec.name), "driver": .string(spec.driver), "internal": .bool(spec.isInternal), "dns_enabled": false,
        ]
        if let parent = options["parent"]?.stringValue {
            body["network_interface"] = .string(parent)
            options["parent"] = nil
        }
        if let mode = options["macvlan_mode"] {
            options["mode"] = mode
            options["macvlan_mode"] = nil
        }
        if options.count > 0 { body["options"] = .object(options) }
        if spec.labels.count > 0 { body["labels"] = .object(spec.labels) }
        if let ipam = spec.ipam {
            var subnet: JSONObject = ["subnet": .string(ipam.subnet)]
            if let g = ipam.gateway {
                subnet["gateway"] = .string(g)
            } else if spec.driver == "bridge", let net = IPv4Range.bounds(of: ipam.subnet) {
                // Docker gives a bridge its subnet's first address, internal or not; Podman gives
                // an internal one none, and the host (the agent) could not reach its containers.
                subnet["gateway"] = .string(IPv4Range.next(net.start))
            }
            if let r = ipam.ipRange {
                guard let range = IPv4Range.bounds(of: r), let net = IPv4Range.bounds(of: ipam.subnet) else {
                    throw .badParams("ipam.ip_range", "'ipam.ip_range' must be a CIDR inside 'ipam.subnet'")
                }
                // The subnet's own network and broadcast addresses are never leased.
                let start = range.start == net.start ? IPv4Range.next(range.start) : range.start
                let end = range.end == net.end ? IPv4Range.previous(range.end) : range.end
                subnet["lease_range"] = ["start_ip": .string(start), "end_ip": .string(end)]
            }
            body["subnets"] = [.object(subnet)]
        }
        return body
    }

    /// `network.inspect`: libpod's network plus the Docker-compatible inspect's `Containers`
    /// (running containers with their address and MAC; libpod's inspect has none).
    public func inspectNetwork(_ id: String, timeout: Duration) async throws(PodmanEngineError) -> JSONObject {
        let deadline = Deadline(after: timeout)
        let path = "/networks/\(URLEncoding.segment(id))"
        let podman = try await callJSON("GET", path + "/json", timeout: timeout)
        let compat = try await callJSON("GET", path, prefix: Self.compatPrefix, timeout: try deadline.remaining())
        return try NetworkDecoders.inspect(podman, compat: compat)
    }

    /// `network.list`: networks carrying every label in `labels` and, if given, using `driver`.
    public func listNetworks(labels: [String], driver: String?, timeout: Duration) async throws(PodmanEngineError) -> [JSONValue] {
        let query = Self.filters([("label", labels), ("driver", driver.map { [$0] } ?? [])]).map { [$0] } ?? []
        return try NetworkDecoders.list(try await callJSON("GET", "/networks/json", query: query, timeout: timeout))
    }

    /// `network.remove`. - Returns: false when there was no such network.
    public func removeNetwork(_ id: String, timeout: Duration) async throws(PodmanEngineError) -> Bool {
        let r = try await call("DELETE", "/networks/\(URLEncoding.segment(id))", expecting: [200, 204, 404], timeout: timeout)
        return r.status != 404
    }

    /// `network.connect`: attaches a container (created or running), with its static IP and MAC.
    public func connectNetwork(_ network: String, container: String, endpoint: EndpointSpec, timeout: Duration)
        async throws(PodmanEngineError)
    {
        var body: JSONObject = ["container": .string(container)]
        if let ip = endpoint.ipv4Address { body["static_ips"] = [.string(ip)] }
        if let mac = endpoint.macAddress { body["static_mac"] = .string(mac) }
        _ = try await call("POST", "/networks/\(URLEncoding.segment(network))/connect", json: .object(body), expecting: [200, 204], timeout: timeout)
    }

    /// `network.disconnect`.
    public func disconnectNetwork(_ network: String, container: String, force: Bool, timeout: Duration) async throws(PodmanEngineError) {
        let body: JSONValue = ["Container": .string(container), "Force": .bool(force)]
        _ = try await call("POST", "/networks/\(URLEncoding.segment(network))/disconnect", json: body, expecting: [200, 204], timeout: timeout)
    }
}

import ContainerEngineSupport
import AgentJSON

/// Docker network JSON → the normalized shapes of docs/container-driver.md.
public enum NetworkDecoders {
    /// `GET /networks/{id}` → the `network.inspect` result (with `containers`; their
    /// `ipv4_address` without the prefix length).
    public static func inspect(_ docker: JSONValue) throws(DockerEngineError) -> JSONObject {
        let o = try EngineDialect.docker.object(docker, what: "network")
        var out = try summary(o)
        out["containers"] = .object(EngineText.networkContainers(o.object("Containers")))
        return out
    }

    /// `GET /networks` → the `network.list` result.
    public static func list(_ docker: JSONValue) throws(DockerEngineError) -> [JSONValue] {
        try EngineDialect.docker.objects(docker, what: "network list").map { n throws(DockerEngineError) -> JSONValue in
            .object(try summary(n))
        }
    }

    /// The fields common to inspect and list. `subnet`, `gateway` and `ip_range` come from the
    /// first IPv4 IPAM config and are null when absent (e.g. an engine-chosen gateway is not
    /// recorded in the network's IPAM config).
    static func summary(_ o: JSONObject) throws(DockerEngineError) -> JSONObject {
        let configs = o.object("IPAM").array("Config").compactMap(\.objectValue)
        let v4 = configs.first { !$0.string("Subnet").contains(":") } ?? configs.first ?? [:]
        return [
            "id": .string(try EngineDialect.docker.requiredString("Id", in: o, what: "network")),
            "name": .string(o.string("Name")), "driver": .string(o.string("Driver")), "internal": .bool(o.bool("Internal")),
            "labels": o.stringMap("Labels"), "options": o.stringMap("Options"),
            "subnet": EngineText.stringOrNull(v4.string("Subnet")), "gateway": EngineText.stringOrNull(v4.string("Gateway")),
            "ip_range": EngineText.stringOrNull(v4.string("IPRange")),
        ]
    }
}

import ContainerEngineSupport
import AgentJSON

/// libpod network JSON → the normalized shapes of docs/container-driver.md. Podman's
/// `network_interface` (a macvlan's parent) is reported as `options.parent`, as Docker keeps it.
public enum NetworkDecoders {
    /// `GET /libpod/networks/{name}/json` plus the `Containers` of the Docker-compatible
    /// `GET /networks/{name}` → the `network.inspect` result.
    public static func inspect(_ podman: JSONValue, compat: JSONValue) throws(PodmanEngineError) -> JSONObject {
        var out = try summary(try EngineDialect.podman.object(podman, what: "network"))
        out["containers"] = .object(EngineText.networkContainers((compat.objectValue ?? [:]).object("Containers")))
        return out
    }

    /// `GET /libpod/networks/json` → the `network.list` result.
    public static func list(_ podman: JSONValue) throws(PodmanEngineError) -> [JSONValue] {
        try EngineDialect.podman.objects(podman, what: "network list").map { n throws(PodmanEngineError) -> JSONValue in
            .object(try summary(n))
        }
    }

    /// The fields common to inspect and list, from the first IPv4 subnet. `ip_range` is the
    /// smallest CIDR holding the subnet's `lease_range` (what `network.create`'s `ip_range`
    /// became), null without one.
    static func summary(_ o: JSONObject) throws(PodmanEngineError) -> JSONObject {
        let subnets = o.array("subnets").compactMap(\.objectValue)
        let v4 = subnets.first { !$0.string("subnet").contains(":") } ?? subnets.first ?? [:]
        var options = o.object("options")
        if let parent = o.optionalString("network_interface"), o.string("driver") == "macvlan" { options["parent"] = .string(parent) }
        let lease = v4.object("lease_range")
        let range = IPv4Range.cidr(from: lease.string("start_ip"), to: lease.string("end_ip"))
        return [
            "id": .string(try EngineDialect.podman.requiredString("id", in: o, what: "network")),
            "name": .string(o.string("name")), "driver": .string(o.string("driver")), "internal": .bool(o.bool("internal")),
            "labels": o.stringMap("labels"), "options": .object(options),
            "subnet": EngineText.stringOrNull(v4.string("subnet")), "gateway": EngineText.stringOrNull(v4.string("gateway")),
            "ip_range": range.map(JSONValue.string) ?? .null,
        ]
    }
}

import ContainerEngineSupport
import AgentJSON

/// libpod network JSON → the normalized shapes of docs/container-driver.md. Podman's
/// `network_interface` (a macvlan's parent) is reported as `options.parent`, as Docker keeps it.
public enum NetworkDecoders {
    /// `GET /libpod/networks/{name}/json` plus the `Containers` of the Docker-compatible
    /// `GET /networks/{name}` → the `network.inspect` result.
    public static func inspect(_ podman: JSONValue, compat: JSONValue) throws(PodmanEngineError) -> JSONObject {
        var out = try summary(try PodmanJSON.object(podman, what: "network"))
        var containers = JSONObject()
        for e in (compat.objectValue ?? [:]).object("Containers").entries {
            let c = e.value.objectValue ?? [:]
            // Podman lists created and stopped containers too, without an address: the protocol
            // lists running ones.
            guard !c.string("IPv4Address").isEmpty || !c.string("MacAddress").isEmpty else { continue }
            containers[e.key] = [
                "name": .string(c.string("Name")),
                "ipv4_address": .string(PodmanJSON.addressWithoutPrefix(c.string("IPv4Address"))),
                "mac_address": .string(c.string("MacAddress")),
            ]
        }
        out["containers"] = .object(containers)
        return out
    }

    /// `GET /libpod/networks/json` → the `network.list` result.
    public static func list(_ podman: JSONValue) throws(PodmanEngineError) -> [JSONValue] {
        try PodmanJSON.objects(podman, what: "network list").map { n throws(PodmanEngineError) -> JSONValue in
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
            "id": .string(try PodmanJSON.requiredString("id", in: o, what: "network")),
            "name": .string(o.string("name")), "driver": .string(o.string("driver")), "internal": .bool(o.bool("internal")),
            "labels": o.stringMap("labels"), "options": .object(options),
            "subnet": PodmanJSON.stringOrNull(v4.string("subnet")), "gateway": PodmanJSON.stringOrNull(v4.string("gateway")),
            "ip_range": range.map(JSONValue.string) ?? .null,
        ]
    }
}

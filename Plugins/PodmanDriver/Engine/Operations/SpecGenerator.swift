import AgentJSON
import ContainerEngineSupport

/// `container.create`'s ``ContainerSpec`` as the body of libpod's `POST /containers/create`
/// (Podman's SpecGenerator).
///
/// Every network is wired at create, each with its own static IP and MAC (`Networks`); the
/// first network named `host` or `none` becomes the network namespace mode instead. The
/// protocol's `host_config` is Docker's `HostConfig` vocabulary; the keys below are translated
/// and any other key is refused (`bad_params`, `host_config.<key>`), so nothing is silently
/// dropped:
///
/// | `host_config` | SpecGenerator |
/// |---|---|
/// | `CapAdd`, `CapDrop` | `cap_add`, `cap_drop` |
/// | `Ulimits` `[{Name, Soft, Hard}]` (`-1`: unlimited) | `r_limits` `[{type, soft, hard}]` |
/// | `DeviceCgroupRules` `["c 188:* rmw"]` | `device_cgroup_rule` `[{allow, type, major, minor?, access}]` |
/// | `Devices` `[{PathOnHost, PathInContainer, CgroupPermissions}]` | `devices` `[{path: "host:container:perms"}]` |
/// | `RestartPolicy` `{Name, MaximumRetryCount}` | `restart_policy`, `restart_tries` |
/// | `Dns` | `dns_server` |
/// | `Binds` `["src:dst[:opts]"]`, `Mounts` `[{Type: bind, Source, Target, ReadOnly}]` | `mounts` |
/// | `Privileged`, `PidMode` (`host`), `GroupAdd` | `privileged`, `pidns`, `groups` |
/// | `NanoCpus`, `CpuQuota`, `CpuPeriod`, `Memory` | `resource_limits.cpu`, `resource_limits.memory` |
/// | `NetworkMode` | ignored (the driver sets the namespace from `networks`) |
public struct SpecGenerator: Sendable {
    /// The `host_config` keys translated (see the table).
    public static let supportedHostConfigKeys: Set<String> = [
        "CapAdd", "CapDrop", "Ulimits", "DeviceCgroupRules", "Devices", "RestartPolicy", "Dns", "Binds", "Mounts", "Privileged",
        "PidMode", "GroupAdd", "NanoCpus", "CpuQuota", "CpuPeriod", "Memory", "NetworkMode",
    ]

    /// The container to create.
    public let spec: ContainerSpec

    public init(_ spec: ContainerSpec) { self.spec = spec }

    /// The request body as bytes: the JSON of ``body()`` with `r_limits` spliced in as written
    /// integers (an unlimited rlimit is 2^64−1, which a JSON number that is a `Double` cannot
    /// carry exactly and Podman's decoder would refuse).
    /// - Throws: `bad_params` for a `host_config` key or value it cannot translate.
    public func bytes() throws(PodmanEngineError) -> [UInt8] {
        var text = JSONWriter.string(.object(try body()))
        let limits = try rlimitsJSON()
        if !limits.isEmpty, text.hasSuffix("}") {
            text.removeLast()
            text += (text.hasSuffix("{") ? "" : ",") + "\"r_limits\":[" + limits.joined(separator: ",") + "]}"
        }
        return Array(text.utf8)
    }

    /// The body without `r_limits` (see ``bytes()``).
    public func body() throws(PodmanEngineError) -> JSONObject {
        let h = spec.hostConfig
        for key in h.keys where !Self.supportedHostConfigKeys.contains(key) {
            throw .badParams("host_config.\(key)", "host_config.\(key) is not supported by the Podman driver")
        }
        var b: JSONObject = ["name": .string(spec.name), "image": .string(spec.image), "labels": .object(spec.labels)]
        if let cmd = spec.cmd { b["command"] = .array(cmd.map(JSONValue.string)) }
        if let entrypoint = spec.entrypoint { b["entrypoint"] = .array(entrypoint.map(JSONValue.string)) }
        if let env = spec.env { b["env"] = .object(Self.environment(env)) }
        if let user = spec.user { b["user"] = .string(user) }
        networking(into: &b)
        try HostConfigTranslation.apply(h, into: &b)
        return b
    }

    /// `netns` and `Networks`: `host`/`none` as the namespace mode, else a bridge-mode
    /// namespace with every network and its static IP and MAC.
    func networking(into b: inout JSONObject) {
        if let first = spec.networks.first, first.network == "host" || first.network == "none" {
            b["netns"] = ["nsmode": .string(first.network)]
            return
        }
        var networks = JSONObject()
        for n in spec.networks {
            var o = JSONObject()
            if let ip = n.ipv4Address { o["static_ips"] = [.string(ip)] }
            if let mac = n.macAddress { o["static_mac"] = .string(mac) }
            networks[n.network] = .object(o)
        }
        b["netns"] = ["nsmode": "bridge"]
        b["Networks"] = .object(networks)
    }

    /// `["A=1", "B"]` → `{"A": "1", "B": ""}`.
    static func environment(_ env: [String]) -> JSONObject {
        var o = JSONObject()
        for e in env {
            let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            o[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]) : "")
        }
        return o
    }

    /// `Ulimits` as written `r_limits` entries (`{"type":"rtprio","soft":99,"hard":99}`).
    func rlimitsJSON() throws(PodmanEngineError) -> [String] {
        guard let v = spec.hostConfig["Ulimits"], !v.isNull else { return [] }
        guard let list = v.arrayValue else { throw .badParams("host_config.Ulimits", "host_config.Ulimits must be an array") }
        var out: [String] = []
        for (i, item) in list.enumerated() {
            let field = "host_config.Ulimits[\(i)]"
            guard let u = item.objectValue, let name = u["Name"]?.stringValue, !name.isEmpty,
                let soft = u["Soft"]?.numberValue, let hard = u["Hard"]?.numberValue
            else { throw .badParams(field, "\(field) must be {Name, Soft, Hard}") }
            out.append(
                "{\"type\":\(JSONWriter.string(.string(name.lowercased()))),\"soft\":\(try Self.limit(soft, field)),\"hard\":\(try Self.limit(hard, field))}")
        }
        return out
    }

    /// A limit as a written unsigned integer; `-1` is unlimited (2^64−1).
    static func limit(_ n: Double, _ field: String) throws(PodmanEngineError) -> String {
        if n == -1 { return String(UInt64.max) }
        guard n >= 0, n == n.rounded(), n < 9.0e15 else { throw .badParams(field, "\(field): a limit is a whole number ≥ 0 or -1") }
        return String(UInt64(n))
    }
}

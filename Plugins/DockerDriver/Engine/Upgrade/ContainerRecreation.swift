import AgentJSON

/// How the Docker upgrader recreates a container from a newer image "with the same settings"
/// (docs/upgrade.md): from the driver's `container.inspect` of the running container and the
/// `image.inspect` `config` of the image it runs, the `container.create` parameters of its
/// successor. Pure.
///
/// What the container got from its OLD image (default command, entrypoint, environment such as
/// `AGENT_VERSION`, labels) is left out, so the new image's defaults apply; what was given at
/// create time is carried: those settings (command, entrypoint, user), bind mounts and mounts,
/// named and anonymous volumes, network mode and networks, privileged, pid mode, extra groups,
/// capabilities, DNS, ulimits. The restart policy becomes `unless-stopped`.
public enum ContainerRecreation {
    /// The `container.create` parameters of the successor of `container`, on `image`.
    /// - Parameters:
    ///   - container: the driver's `container.inspect` result of the running container.
    ///   - oldImageConfig: the driver's `image.inspect` `config` of the image it runs.
    ///   - image: the new image reference.
    public static func createParams(container: JSONObject, oldImageConfig: JSONObject, image: String) -> JSONObject {
        let config = container["config"]?.objectValue ?? [:]
        let host = container["host_config"]?.objectValue ?? [:]
        var params: JSONObject = [
            "name": container["name"] ?? .null, "image": .string(image),
            "labels": .object(ownLabels(container["labels"]?.objectValue ?? [:], image: oldImageConfig["labels"]?.objectValue ?? [:])),
            "env": .array(ownEnvironment(config["env"], image: oldImageConfig["env"]).map(JSONValue.string)),
            "host_config": .object(hostConfig(host, mounts: container["mounts"]?.arrayValue ?? [])),
            "networks": .array(networks(mode: host["network_mode"]?.stringValue ?? "", attached: container["networks"]?.objectValue ?? [:])),
        ]
        for key in ["cmd", "entrypoint"] {
            if let mine = config[key], !mine.isNull, mine != oldImageConfig[key] { params[key] = mine }
        }
        if let user = config["user"]?.stringValue, !user.isEmpty, config["user"] != oldImageConfig["user"] {
            params["user"] = .string(user)
        }
        return params
    }

    /// Labels set on the container that are not the old image's (same key and value).
    static func ownLabels(_ labels: JSONObject, image: JSONObject) -> JSONObject {
        var out = JSONObject()
        for e in labels.entries where image[e.key] != e.value { out[e.key] = e.value }
        return out
    }

    /// `KEY=value` entries set on the container that are not the old image's.
    static func ownEnvironment(_ env: JSONValue?, image: JSONValue?) -> [String] {
        let inherited = Set((image?.arrayValue ?? []).compactMap(\.stringValue))
        return (env?.arrayValue ?? []).compactMap(\.stringValue).filter { !inherited.contains($0) }
    }

    /// The Docker `HostConfig` of the successor.
    static func hostConfig(_ host: JSONObject, mounts: [JSONValue]) -> JSONObject {
        var out: JSONObject = ["RestartPolicy": ["Name": "unless-stopped"]]
        let binds = (host["binds"]?.arrayValue ?? []).compactMap(\.stringValue)
        var explicit = (host["mounts"]?.arrayValue ?? []).filter { $0.objectValue != nil }
        if !binds.isEmpty { out["Binds"] = .array(binds.map(JSONValue.string)) }
        // Volumes the container has but was not given explicitly (the image's VOLUME, made
        // anonymous at create) keep their data only if the successor mounts them by name.
        var covered = Set(binds.compactMap(bindTarget))
        for m in explicit { if let t = m.objectValue?["Target"]?.stringValue { covered.insert(t) } }
        for m in mounts {
            guard let o = m.objectValue, o["type"]?.stringValue == "volume", let name = o["name"]?.stringValue,
                let target = o["destination"]?.stringValue, !covered.contains(target)
            else { continue }
            explicit.append(["Type": "volume", "Source": .string(name), "Target": .string(target), "ReadOnly": .bool(o["rw"] == false)])
            covered.insert(target)
        }
        if !explicit.isEmpty { out["Mounts"] = .array(explicit) }
        if host["privileged"]?.boolValue == true { out["Privileged"] = true }
        if let s = host["pid_mode"]?.stringValue, !s.isEmpty { out["PidMode"] = .string(s) }
        for (from, to) in [("group_add", "GroupAdd"), ("cap_add", "CapAdd"), ("dns", "Dns")] {
            let list = (host[from]?.arrayValue ?? []).filter { $0.stringValue != nil }
            if !list.isEmpty { out[to] = .array(list) }
        }
        let ulimits: [JSONValue] = (host["ulimits"]?.arrayValue ?? []).compactMap { u in
            guard let u = u.objectValue, let name = u["name"]?.stringValue else { return nil }
            return ["Name": .string(name), "Soft": u["soft"] ?? 0, "Hard": u["hard"] ?? 0]
        }
        if !ulimits.isEmpty { out["Ulimits"] = .array(ulimits) }
        return out
    }

    /// `src:dst[:opts]` → `dst`.
    static func bindTarget(_ bind: String) -> String? {
        let parts = bind.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    /// The endpoints: the network mode first (`host`, `none`, a network name), then the other
    /// networks it is attached to, without addresses (the engine assigns them again).
    static func networks(mode: String, attached: JSONObject) -> [JSONValue] {
        let first = mode.isEmpty || mode == "default" ? (attached.keys.sorted().first ?? "bridge") : mode
        var out: [JSONValue] = [["network": .string(first)]]
        if first != "host", first != "none", !first.hasPrefix("container:") {
            for name in attached.keys.sorted() where name != first { out.append(["network": .string(name)]) }
        }
        return out
    }
}

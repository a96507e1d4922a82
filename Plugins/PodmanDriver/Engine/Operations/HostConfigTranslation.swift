import ContainerEngineSupport
import AgentJSON

/// The `host_config` keys other than `Ulimits` as SpecGenerator fields (see ``SpecGenerator``).
enum HostConfigTranslation {
    static func apply(_ h: JSONObject, into b: inout JSONObject) throws(PodmanEngineError) {
        if let caps = try strings(h, "CapAdd") { b["cap_add"] = .array(caps.map(JSONValue.string)) }
        if let caps = try strings(h, "CapDrop") { b["cap_drop"] = .array(caps.map(JSONValue.string)) }
        if let rules = try strings(h, "DeviceCgroupRules") {
            b["device_cgroup_rule"] = .array(try rules.enumerated().map { (i, r) throws(PodmanEngineError) in
                try deviceRule(r, field: "host_config.DeviceCgroupRules[\(i)]")
            })
        }
        if let dns = try strings(h, "Dns") { b["dns_server"] = .array(dns.map(JSONValue.string)) }
        if let groups = try strings(h, "GroupAdd") { b["groups"] = .array(groups.map(JSONValue.string)) }
        if let p = h["Privileged"]?.boolValue { b["privileged"] = .bool(p) }
        if let mode = h["PidMode"]?.stringValue, !mode.isEmpty {
            guard mode == "host" || mode == "private" else {
                throw .badParams("host_config.PidMode", "host_config.PidMode '\(mode)' is not supported by the Podman driver")
            }
            b["pidns"] = ["nsmode": .string(mode)]
        }
        if let r = h["RestartPolicy"]?.objectValue, let name = r["Name"]?.stringValue, !name.isEmpty {
            b["restart_policy"] = .string(name)
            if let n = r["MaximumRetryCount"]?.numberValue, n > 0 { b["restart_tries"] = .number(n) }
        }
        let mounts = try binds(h) + (try dockerMounts(h))
        if !mounts.isEmpty { b["mounts"] = .array(mounts) }
        if let devices = h["Devices"]?.arrayValue {
            b["devices"] = .array(devices.compactMap(\.objectValue).map { d in
                let host = d["PathOnHost"]?.stringValue ?? ""
                let inside = d["PathInContainer"]?.stringValue ?? host
                let perms = d["CgroupPermissions"]?.stringValue ?? "rwm"
                return ["path": .string("\(host):\(inside):\(perms)")]
            })
        }
        var resources = JSONObject()
        var cpu = JSONObject()
        let nano = h["NanoCpus"]?.numberValue ?? 0
        if nano > 0 {
            cpu = ["period": 100_000, "quota": .number((nano / 1e9 * 100_000).rounded())]
        } else if let q = h["CpuQuota"]?.numberValue, q > 0 {
            cpu = ["quota": .number(q), "period": .number(h["CpuPeriod"]?.numberValue ?? 100_000)]
        }
        if cpu.count > 0 { resources["cpu"] = .object(cpu) }
        if let m = h["Memory"]?.numberValue, m > 0 { resources["memory"] = ["limit": .number(m)] }
        if resources.count > 0 { b["resource_limits"] = .object(resources) }
    }

    /// An optional array of strings at `key`.
    static func strings(_ h: JSONObject, _ key: String) throws(PodmanEngineError) -> [String]? {
        guard let v = h[key], !v.isNull else { return nil }
        guard let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
            throw .badParams("host_config.\(key)", "host_config.\(key) must be an array of strings")
        }
        return a.compactMap(\.stringValue)
    }

    /// `"c 188:* rmw"` → `{allow: true, type: "c", major: 188, access: "rmw"}` (a `*` number is
    /// left out: any).
    static func deviceRule(_ rule: String, field: String) throws(PodmanEngineError) -> JSONValue {
        let parts = rule.split(separator: " ")
        let numbers = parts.count == 3 ? parts[1].split(separator: ":", omittingEmptySubsequences: false) : []
        guard parts.count == 3, ["a", "b", "c"].contains(parts[0]), numbers.count == 2 else {
            throw .badParams(field, "\(field) '\(rule)' is not a device cgroup rule like 'c 188:* rmw'")
        }
        var o: JSONObject = ["allow": true, "type": .string(String(parts[0]))]
        for (key, text) in [("major", numbers[0]), ("minor", numbers[1])] where text != "*" {
            guard let n = Int(text), n >= 0 else { throw .badParams(field, "\(field) '\(rule)': \(key) must be a number or *") }
            o[key] = .number(Double(n))
        }
        o["access"] = .string(String(parts[2]))
        return .object(o)
    }

    /// `Binds` `"src:dst[:opts]"` → `{type: bind, source, destination, options}`.
    static func binds(_ h: JSONObject) throws(PodmanEngineError) -> [JSONValue] {
        try (strings(h, "Binds") ?? []).enumerated().map { (i, bind) throws(PodmanEngineError) -> JSONValue in
            let parts = bind.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("/"), parts[1].hasPrefix("/") else {
                throw .badParams("host_config.Binds[\(i)]", "host_config.Binds[\(i)] '\(bind)' must be /host:/container[:options]")
            }
            let options = parts.count > 2 ? parts[2].split(separator: ",").map { JSONValue.string(String($0)) } : []
            return ["type": "bind", "source": .string(parts[0]), "destination": .string(parts[1]), "options": .array(["rbind"] + options)]
        }
    }

    /// Docker `Mounts` of type `bind` → SpecGenerator mounts (other types are refused).
    static func dockerMounts(_ h: JSONObject) throws(PodmanEngineError) -> [JSONValue] {
        guard let list = h["Mounts"]?.arrayValue else { return [] }
        return try list.enumerated().map { (i, m) throws(PodmanEngineError) -> JSONValue in
            guard let o = m.objectValue, o["Type"]?.stringValue == "bind", let source = o["Source"]?.stringValue,
                let target = o["Target"]?.stringValue
            else {
                throw .badParams("host_config.Mounts[\(i)]", "host_config.Mounts[\(i)]: the Podman driver takes bind mounts {Type: bind, Source, Target}")
            }
            let ro: JSONValue = o["ReadOnly"]?.boolValue == true ? "ro" : "rw"
            return ["type": "bind", "source": .string(source), "destination": .string(target), "options": ["rbind", ro]]
        }
    }
}

import Synchronization
import AgentJSON
import AgentPluginKit

extension FakeContainerEngine {
    /// `image.inspect` and `image.pull` (a pull of an unknown reference makes it present, unless
    /// a fault was injected).
    func image(_ method: String, _ params: JSONObject) throws(PluginError) -> JSONValue {
        let ref = try Self.string(params, "ref")
        if method == "image.pull", world.withLock({ $0.images[ref] }) == nil { addImage(ref) }
        guard let img = world.withLock({ w in w.images[ref] ?? w.images.values.first { $0.id == ref } }) else {
            throw Self.error("engine_not_found", "No such image: \(ref)")
        }
        if method == "image.pull" { return ["id": .string(img.id), "status": "Downloaded newer image"] }
        return ["id": .string(img.id), "repo_tags": [.string(ref)], "size": 0, "created": "", "config": .object(img.config)]
    }

    /// The `network.*` methods.
    func network(_ method: String, _ params: JSONObject) throws(PluginError) -> JSONValue {
        switch method {
        case "network.create":
            let name = try Self.string(params, "name")
            let driver = try Self.string(params, "driver")
            let ipam = params["ipam"]?.objectValue ?? [:]
            let id = try world.withLock { w throws(PluginError) -> String in
                guard w.networkIndex(name) == nil else { throw Self.error("engine_conflict", "network with name \(name) already exists") }
                let parent = params["options"]?.objectValue?["parent"]?.stringValue
                if driver == "macvlan", let parent,
                    w.networks.contains(where: { $0.driver == "macvlan" && $0.options["parent"]?.stringValue == parent })
                {
                    throw Self.error("engine_error", "network dm-\(name) is already using parent interface \(parent)")
                }
                let n = FakeEngineState.Network(
                    id: w.newID(), name: name, driver: driver, isInternal: params["internal"]?.boolValue ?? false,
                    labels: params["labels"]?.objectValue ?? [:], options: params["options"]?.objectValue ?? [:],
                    subnet: ipam["subnet"]?.stringValue, gateway: ipam["gateway"]?.stringValue, ipRange: ipam["ip_range"]?.stringValue)
                w.networks.append(n)
                return n.id
            }
            return ["id": .string(id)]
        case "network.inspect":
            let ref = try Self.string(params, "id")
            guard let json = world.withLock({ w -> JSONObject? in
                guard let i = w.networkIndex(ref) else { return nil }
                var o = FakeEngineShapes.summary(w.networks[i])
                var members = JSONObject()
                for c in w.containers where c.running {
                    for e in c.endpoints where e.network == w.networks[i].name {
                        members[c.id] = ["name": .string(c.name), "ipv4_address": .string(e.ip), "mac_address": .string(e.mac)]
                    }
                }
                o["containers"] = .object(members)
                return o
            }) else { throw Self.error("engine_not_found", "network \(ref) not found") }
            return .object(json)
        case "network.list":
            let labels = params["labels"]?.objectValue ?? [:]
            let driver = params["driver"]?.stringValue
            return world.withLock { w in
                .array(
                    w.networks.filter { n in
                        (driver == nil || n.driver == driver)
                            && labels.entries.allSatisfy { k, v in
                                guard let have = n.labels[k]?.stringValue else { return false }
                                return v.stringValue == "" || have == v.stringValue
                            }
                    }.map { .object(FakeEngineShapes.summary($0)) })
            }
        case "network.remove":
            let ref = try Self.string(params, "id")
            return try world.withLock { w throws(PluginError) -> JSONValue in
                guard let i = w.networkIndex(ref) else { return ["removed": false] }
                let name = w.networks[i].name
                guard !w.containers.contains(where: { c in c.running && c.endpoints.contains { $0.network == name } }) else {
                    throw Self.error("engine_forbidden", "error while removing network: network \(name) has active endpoints")
                }
                w.networks.remove(at: i)
                return ["removed": true]
            }
        case "network.connect", "network.disconnect":
            let net = try Self.string(params, "network")
            let ref = try Self.string(params, "container")
            try world.withLock { w throws(PluginError) in
                guard let n = w.networkIndex(net) else { throw Self.error("engine_not_found", "network \(net) not found") }
                guard let c = w.containerIndex(ref) else { throw Self.error("engine_not_found", "No such container: \(ref)") }
                let name = w.networks[n].name
                let has = w.containers[c].endpoints.contains { $0.network == name }
                if method == "network.disconnect" {
                    guard has else { throw Self.error("engine_forbidden", "container is not connected to \(name)") }
                    w.containers[c].endpoints.removeAll { $0.network == name }
                    return
                }
                guard !has else { throw Self.error("engine_forbidden", "container already connected to \(name)") }
                var e = FakeEngineState.Endpoint(
                    network: name, staticIP: params["ipv4_address"]?.stringValue, staticMAC: params["mac_address"]?.stringValue)
                if w.containers[c].running {
                    e.ip = e.staticIP ?? w.freeAddress(on: w.networks[n]) ?? ""
                    e.mac = e.staticMAC ?? "02:42:00:00:00:\(String(w.containers[c].endpoints.count + 16, radix: 16))"
                }
                w.containers[c].endpoints.append(e)
            }
            return [:]
        default:
            throw PluginError(status: 2, code: "unknown_method", message: "no method '\(method)'")
        }
    }
}

import AgentJSON
import ContainerEngineSupport

extension NetworkSpec {
    /// The body of `POST /networks/create`. `CheckDuplicate` is always on: engines before API
    /// 1.44 otherwise create a second network with the same name (and only warn).
    public var createBody: JSONValue {
        var body: JSONObject = [
            "Name": .string(name), "CheckDuplicate": true, "Driver": .string(driver), "Internal": .bool(isInternal),
            "Options": .object(options), "Labels": .object(labels),
        ]
        if let ipam {
            var config: JSONObject = ["Subnet": .string(ipam.subnet)]
            if let g = ipam.gateway { config["Gateway"] = .string(g) }
            if let r = ipam.ipRange { config["IPRange"] = .string(r) }
            body["IPAM"] = ["Driver": "default", "Config": [.object(config)]]
        }
        return .object(body)
    }
}

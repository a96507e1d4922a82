import AgentJSON
import ContainerEngineSupport

extension EndpointSpec {
    /// The Docker `EndpointSettings` object: `IPAMConfig.IPv4Address` and `MacAddress`.
    public var endpointSettings: JSONObject {
        var o = JSONObject()
        if let ipv4Address { o["IPAMConfig"] = ["IPv4Address": .string(ipv4Address)] }
        if let macAddress { o["MacAddress"] = .string(macAddress) }
        return o
    }
}

/// How `container.create` attaches the networks (reported in its result as `wiring`).
public enum NetworkWiring: String, Sendable {
    /// API ≥ 1.44: every endpoint in the create request, each with its own MAC.
    case endpointsAtCreate = "endpoints_at_create"
    /// API < 1.44: the first network at create (container-level MAC), the rest connected after.
    case createThenConnect = "create_then_connect"

    /// The wiring an engine speaking `version` needs.
    public init(for version: APIVersion) {
        self = version >= APIVersion.endpointsAtCreate ? .endpointsAtCreate : .createThenConnect
    }
}

extension ContainerSpec {
    /// The body of `POST /containers/create` for `wiring`.
    ///
    /// Both wirings set `HostConfig.NetworkMode` to the first network. `endpointsAtCreate` puts
    /// every network in `NetworkingConfig.EndpointsConfig` and no container-level MAC;
    /// `createThenConnect` puts only the first there and repeats its MAC as the container-level
    /// `MacAddress`, which those API versions apply to the first network.
    public func createBody(wiring: NetworkWiring) -> JSONValue {
        var body: JSONObject = ["Image": .string(image), "Labels": .object(labels)]
        if let cmd { body["Cmd"] = .array(cmd.map(JSONValue.string)) }
        if let entrypoint { body["Entrypoint"] = .array(entrypoint.map(JSONValue.string)) }
        if let env { body["Env"] = .array(env.map(JSONValue.string)) }
        if let user { body["User"] = .string(user) }
        var host = hostConfig
        var endpoints = JSONObject()
        if let first = networks.first {
            host["NetworkMode"] = .string(first.network)
            switch wiring {
            case .endpointsAtCreate:
                for n in networks { endpoints[n.network] = .object(n.endpointSettings) }
            case .createThenConnect:
                endpoints[first.network] = .object(first.endpointSettings)
                if let mac = first.macAddress { body["MacAddress"] = .string(mac) }
            }
        }
        body["HostConfig"] = .object(host)
        body["NetworkingConfig"] = ["EndpointsConfig": .object(endpoints)]
        return .object(body)
    }

    /// The networks connected after create, with the body of each
    /// `POST /networks/{network}/connect`; empty for `endpointsAtCreate`.
    public func connectRequests(containerID: String, wiring: NetworkWiring) -> [(network: String, body: JSONValue)] {
        guard wiring == .createThenConnect else { return [] }
        return networks.dropFirst().map { n in
            (n.network, ["Container": .string(containerID), "EndpointConfig": .object(n.endpointSettings)])
        }
    }
}

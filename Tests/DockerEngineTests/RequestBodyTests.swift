import AgentJSON
import ContainerEngineSupport
import Testing

@testable import DockerEngine

/// The engine request bodies the driver builds, for both create wirings (API ≥ 1.44 cannot be
/// reached on the lab's 1.41 engine, so its body is checked here).
@Suite struct RequestBodyTests {
    private let spec = ContainerSpec(
        name: "plc1", image: "lab/openplc-runtime:latest", labels: ["io.autonomy.managed": "true"], cmd: ["/bin/sh", "/start.sh"],
        env: ["A=1"], hostConfig: ["CapAdd": ["SYS_NICE"], "NetworkMode": "ignored"],
        networks: [
            EndpointSpec(network: "lan", ipv4Address: "192.168.77.10", macAddress: "02:00:00:00:00:0a"),
            EndpointSpec(network: "plc1_internal", ipv4Address: "172.18.0.2", macAddress: "02:00:00:00:00:0b"),
            EndpointSpec(network: "other"),
        ])

    @Test func wiringFollowsTheAPIVersion() {
        #expect(NetworkWiring(for: APIVersion(1, 41)) == .createThenConnect)
        #expect(NetworkWiring(for: APIVersion(1, 43)) == .createThenConnect)
        #expect(NetworkWiring(for: APIVersion(1, 44)) == .endpointsAtCreate)
        #expect(NetworkWiring(for: APIVersion(1, 47)) == .endpointsAtCreate)
    }

    @Test func api144PutsEveryEndpointInTheCreateWithItsOwnMAC() throws {
        let body = try #require(spec.createBody(wiring: .endpointsAtCreate).objectValue)
        #expect(body["Image"] == "lab/openplc-runtime:latest")
        #expect(body["Cmd"] == ["/bin/sh", "/start.sh"])
        #expect(body["Env"] == ["A=1"])
        #expect(body["Labels"] == ["io.autonomy.managed": "true"])
        #expect(body["MacAddress"] == nil)
        #expect(body["HostConfig"] == ["CapAdd": ["SYS_NICE"], "NetworkMode": "lan"])
        let endpoints = try #require(body["NetworkingConfig"]?.objectValue?["EndpointsConfig"]?.objectValue)
        #expect(endpoints.keys == ["lan", "plc1_internal", "other"])
        #expect(endpoints["lan"] == ["IPAMConfig": ["IPv4Address": "192.168.77.10"], "MacAddress": "02:00:00:00:00:0a"])
        #expect(endpoints["plc1_internal"] == ["IPAMConfig": ["IPv4Address": "172.18.0.2"], "MacAddress": "02:00:00:00:00:0b"])
        #expect(endpoints["other"] == .object([:]))
        #expect(spec.connectRequests(containerID: "c", wiring: .endpointsAtCreate).isEmpty)
    }

    @Test func api141CreatesOnTheFirstNetworkThenConnectsTheRest() throws {
        let body = try #require(spec.createBody(wiring: .createThenConnect).objectValue)
        #expect(body["MacAddress"] == "02:00:00:00:00:0a")
        #expect(body["HostConfig"]?.objectValue?["NetworkMode"] == "lan")
        let endpoints = try #require(body["NetworkingConfig"]?.objectValue?["EndpointsConfig"]?.objectValue)
        #expect(endpoints.keys == ["lan"])
        #expect(endpoints["lan"]?.objectValue?["IPAMConfig"] == ["IPv4Address": "192.168.77.10"])
        let connects = spec.connectRequests(containerID: "abc", wiring: .createThenConnect)
        #expect(connects.map(\.network) == ["plc1_internal", "other"])
        #expect(
            connects[0].body
                == ["Container": "abc", "EndpointConfig": ["IPAMConfig": ["IPv4Address": "172.18.0.2"], "MacAddress": "02:00:00:00:00:0b"]])
        #expect(connects[1].body == ["Container": "abc", "EndpointConfig": .object([:])])
    }

    @Test func optionalPartsAreLeftOut() throws {
        let bare = ContainerSpec(name: "x", image: "i", networks: [EndpointSpec(network: "n")])
        let body = try #require(bare.createBody(wiring: .createThenConnect).objectValue)
        #expect(body["Cmd"] == nil)
        #expect(body["Entrypoint"] == nil)
        #expect(body["Env"] == nil)
        #expect(body["User"] == nil)
        #expect(body["MacAddress"] == nil)
        #expect(body["NetworkingConfig"] == ["EndpointsConfig": ["n": .object([:])]])
    }

    @Test func anEntrypointReplacesTheImagesOnHostNetwork() throws {
        let agent = ContainerSpec(
            name: "orchestrator_agent", image: "orchestrator-agent:2", entrypoint: ["/usr/bin/orchestrator-agent"],
            user: "agent", hostConfig: ["RestartPolicy": ["Name": "unless-stopped"]], networks: [EndpointSpec(network: "host")])
        let body = try #require(agent.createBody(wiring: .createThenConnect).objectValue)
        #expect(body["Entrypoint"] == ["/usr/bin/orchestrator-agent"])
        #expect(body["User"] == "agent")
        #expect(body["HostConfig"] == ["RestartPolicy": ["Name": "unless-stopped"], "NetworkMode": "host"])
    }

    @Test func networkCreateAlwaysChecksDuplicates() throws {
        let spec = NetworkSpec(
            name: "lan", driver: "macvlan", options: ["parent": "eth-lab"], labels: ["io.autonomy.managed": "true"],
            ipam: IPAMSpec(subnet: "192.168.77.0/24", gateway: "192.168.77.1", ipRange: "192.168.77.128/25"))
        let body = try #require(spec.createBody.objectValue)
        #expect(body["CheckDuplicate"] == true)
        #expect(body["Internal"] == false)
        #expect(
            body["IPAM"]
                == ["Driver": "default", "Config": [["Subnet": "192.168.77.0/24", "Gateway": "192.168.77.1", "IPRange": "192.168.77.128/25"]]])
        #expect(NetworkSpec(name: "b", driver: "bridge", isInternal: true).createBody.objectValue?["IPAM"] == nil)
    }

    @Test func eventFiltersBecomeDockerFilters() {
        #expect(EventFilter().queryValue == nil)
        #expect(
            EventFilter(types: ["container"], actions: ["die", "start"], labels: ["io.autonomy.managed=true"]).queryValue
                == #"{"type":["container"],"event":["die","start"],"label":["io.autonomy.managed=true"]}"#)
    }

    @Test func pathsAndQueriesAreEncoded() {
        #expect(URLEncoding.segment("plc1") == "plc1")
        #expect(URLEncoding.segment("a/b?force=1 #") == "a%2Fb%3Fforce%3D1%20%23")
        #expect(URLEncoding.imageReference("registry:5000/lab/img:1@sha256:ab") == "registry:5000/lab/img:1@sha256:ab")
        #expect(URLEncoding.query([("filters", #"{"label":["a=b"]}"#), ("all", "1")]) == "?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&all=1")
        #expect(URLEncoding.query([]) == "")
    }

    @Test func imageReferencesSplitIntoRepoAndTag() {
        #expect(DockerEngine.splitReference("busybox") == ("busybox", "latest"))
        #expect(DockerEngine.splitReference("lab/openplc-runtime:lab-2") == ("lab/openplc-runtime", "lab-2"))
        #expect(DockerEngine.splitReference("registry:5000/lab/img") == ("registry:5000/lab/img", "latest"))
        #expect(DockerEngine.splitReference("registry:5000/lab/img:7") == ("registry:5000/lab/img", "7"))
        #expect(DockerEngine.splitReference("img@sha256:abc") == ("img@sha256:abc", nil))
    }
}

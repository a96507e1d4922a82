import AgentJSON
import ContainerEngineSupport
import Testing

@testable import PodmanEngine

/// `container.create`'s parameters as libpod's SpecGenerator body, and `network.create`'s as
/// libpod's network body: what Podman is asked for, checked without a service.
struct SpecGeneratorTests {
    static let runtimeHostConfig: JSONObject = [
        "CapAdd": ["SYS_NICE", "MKNOD"],
        "Ulimits": [["Name": "rtprio", "Soft": 99, "Hard": 99], ["Name": "memlock", "Soft": -1, "Hard": -1]],
        "DeviceCgroupRules": ["c 188:* rmw", "c 4:64 rw"],
        "RestartPolicy": ["Name": "no"],
        "Dns": ["192.168.77.1"],
    ]

    static func spec(hostConfig: JSONObject = runtimeHostConfig, networks: [EndpointSpec]? = nil) -> ContainerSpec {
        ContainerSpec(
            name: "plc1", image: "lab/openplc-runtime:latest", labels: ["io.autonomy.managed": "true"], cmd: ["/bin/sh", "/start.sh"],
            env: ["A=1", "B=x=y", "C"], user: "0:0", hostConfig: hostConfig,
            networks: networks ?? [
                EndpointSpec(network: "lan", ipv4Address: "192.168.77.10", macAddress: "02:00:00:00:01:0a"),
                EndpointSpec(network: "plc1_internal"),
                EndpointSpec(network: "lan2", macAddress: "02:00:00:00:01:0b"),
            ])
    }

    @Test func everyNetworkAtCreateWithItsOwnStaticIPAndMAC() throws {
        let b = try SpecGenerator(Self.spec()).body()
        #expect(b["netns"] == ["nsmode": "bridge"])
        #expect(
            b["Networks"] == [
                "lan": ["static_ips": ["192.168.77.10"], "static_mac": "02:00:00:00:01:0a"], "plc1_internal": [:],
                "lan2": ["static_mac": "02:00:00:00:01:0b"],
            ])
        #expect(b["command"] == ["/bin/sh", "/start.sh"])
        #expect(b["env"] == ["A": "1", "B": "x=y", "C": ""])
        #expect(b["user"] == "0:0")
        #expect(b["labels"] == ["io.autonomy.managed": "true"])
        #expect(b["entrypoint"] == nil)
    }

    @Test func hostAndNoneAreNamespaceModes() throws {
        for mode in ["host", "none"] {
            let b = try SpecGenerator(Self.spec(hostConfig: [:], networks: [EndpointSpec(network: mode)])).body()
            #expect(b["netns"] == ["nsmode": .string(mode)])
            #expect(b["Networks"] == nil)
        }
    }

    @Test func theRuntimesHostConfigIsTranslated() throws {
        let b = try SpecGenerator(Self.spec()).body()
        #expect(b["cap_add"] == ["SYS_NICE", "MKNOD"])
        #expect(
            b["device_cgroup_rule"] == [
                ["allow": true, "type": "c", "major": 188, "access": "rmw"], ["allow": true, "type": "c", "major": 4, "minor": 64, "access": "rw"],
            ])
        #expect(b["restart_policy"] == "no")
        #expect(b["dns_server"] == ["192.168.77.1"])
        #expect(b["r_limits"] == nil)  // spliced in as text, see below
    }

    @Test func unlimitedRlimitsAreWrittenAsExactUnsignedIntegers() throws {
        let text = String(decoding: try SpecGenerator(Self.spec()).bytes(), as: UTF8.self)
        #expect(text.hasSuffix(#","r_limits":[{"type":"rtprio","soft":99,"hard":99},{"type":"memlock","soft":18446744073709551615,"hard":18446744073709551615}]}"#))
        // Still one JSON document with everything else in it.
        let parsed = try JSONParser.parse(Array(text.utf8))
        #expect(parsed.objectValue?["name"] == "plc1")
        #expect(parsed.objectValue?["r_limits"]?.arrayValue?.count == 2)
    }

    @Test func bindsMountsResourcesAndPrivilege() throws {
        let b = try SpecGenerator(
            Self.spec(hostConfig: [
                "Binds": ["/srv/state:/var/lib/x:ro"], "Mounts": [["Type": "bind", "Source": "/a", "Target": "/b", "ReadOnly": true]],
                "NanoCpus": 1_500_000_000, "Memory": 268_435_456, "Privileged": true, "PidMode": "host", "GroupAdd": ["20"],
                "Devices": [["PathOnHost": "/dev/ttyS0", "PathInContainer": "/dev/ttyS1", "CgroupPermissions": "rw"]],
                "RestartPolicy": ["Name": "on-failure", "MaximumRetryCount": 3], "NetworkMode": "ignored",
            ])
        ).body()
        #expect(
            b["mounts"] == [
                ["type": "bind", "source": "/srv/state", "destination": "/var/lib/x", "options": ["rbind", "ro"]],
                ["type": "bind", "source": "/a", "destination": "/b", "options": ["rbind", "ro"]],
            ])
        #expect(b["resource_limits"] == ["cpu": ["period": 100_000, "quota": 150_000], "memory": ["limit": 268_435_456]])
        #expect(b["privileged"] == true)
        #expect(b["pidns"] == ["nsmode": "host"])
        #expect(b["groups"] == ["20"])
        #expect(b["devices"] == [["path": "/dev/ttyS0:/dev/ttyS1:rw"]])
        #expect(b["restart_policy"] == "on-failure")
        #expect(b["restart_tries"] == 3)
    }

    static let untranslatable: [(JSONObject, String)] = [
        (["Sysctls": ["net.ipv4.ip_forward": "1"]], "host_config.Sysctls"),
        (["DeviceCgroupRules": ["c 188 rmw"]], "host_config.DeviceCgroupRules[0]"),
        (["Ulimits": [["Name": "rtprio", "Soft": 1.5, "Hard": 2]]], "host_config.Ulimits[0]"),
        (["Binds": ["relative:/x"]], "host_config.Binds[0]"),
        (["Mounts": [["Type": "volume", "Source": "v", "Target": "/x"]]], "host_config.Mounts[0]"),
        (["PidMode": "container:abc"], "host_config.PidMode"),
        (["CapAdd": [1]], "host_config.CapAdd"),
    ]

    @Test(arguments: untranslatable)
    func whatCannotBeTranslatedIsRefusedNamingTheField(hostConfig: JSONObject, field: String) {
        do {
            _ = try SpecGenerator(Self.spec(hostConfig: hostConfig)).bytes()
            Issue.record("accepted \(hostConfig)")
        } catch {
            #expect(error.code == .badParams && error.field == field, "\(error)")
        }
    }

    @Test func macvlanParentModeAndIPRangeBecomeLibpodFields() throws {
        let spec = NetworkSpec(
            name: "lan", driver: "macvlan", options: ["parent": "eth-lab", "macvlan_mode": "bridge"], labels: ["a": "b"],
            ipam: IPAMSpec(subnet: "192.168.77.0/24", gateway: "192.168.77.1", ipRange: "192.168.77.240/28"))
        let b = try PodmanEngine.networkBody(spec)
        #expect(b["network_interface"] == "eth-lab")
        #expect(b["options"] == ["mode": "bridge"])
        #expect(b["dns_enabled"] == false)
        #expect(
            b["subnets"] == [
                [
                    "subnet": "192.168.77.0/24", "gateway": "192.168.77.1",
                    // The subnet's broadcast address is never leased.
                    "lease_range": ["start_ip": "192.168.77.240", "end_ip": "192.168.77.254"],
                ]
            ])
        let internalNet = try PodmanEngine.networkBody(NetworkSpec(name: "i", driver: "bridge", isInternal: true))
        #expect(internalNet["internal"] == true)
        #expect(internalNet["subnets"] == nil)
        // A bridge gets its subnet's first address as gateway, as on Docker (Podman gives an
        // internal one none: the host could not reach its containers).
        let withSubnet = try PodmanEngine.networkBody(NetworkSpec(name: "i", driver: "bridge", isInternal: true, ipam: IPAMSpec(subnet: "10.233.4.16/28")))
        #expect(withSubnet["subnets"] == [["subnet": "10.233.4.16/28", "gateway": "10.233.4.17"]])
        #expect(internalNet["network_interface"] == nil)
        #expect(throws: PodmanEngineError.self) {
            try PodmanEngine.networkBody(NetworkSpec(name: "x", driver: "macvlan", ipam: IPAMSpec(subnet: "10.0.0.0/24", ipRange: "nonsense")))
        }
    }

    @Test func leaseRangesReadBackAsTheSmallestCIDR() {
        #expect(IPv4Range.cidr(from: "192.168.77.240", to: "192.168.77.254") == "192.168.77.240/28")
        #expect(IPv4Range.cidr(from: "192.168.77.241", to: "192.168.77.254") == "192.168.77.240/28")
        #expect(IPv4Range.cidr(from: "10.0.0.0", to: "10.0.255.255") == "10.0.0.0/16")
        #expect(IPv4Range.cidr(from: "10.0.0.5", to: "10.0.0.5") == "10.0.0.5/32")
        #expect(IPv4Range.cidr(from: "", to: "") == nil)
        #expect(IPv4Range.bounds(of: "192.168.77.240/28")! == ("192.168.77.240", "192.168.77.255"))
        #expect(IPv4Range.bounds(of: "192.168.77.240") == nil)
    }
}

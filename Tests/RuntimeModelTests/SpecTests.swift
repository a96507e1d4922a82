import AgentJSON
import RuntimeModel
import Testing

@Suite("vPLC request parsing")
struct SpecTests {
    static func message(_ vnics: [JSONValue], name: String = "plc1") -> JSONObject {
        ["container_name": .string(name), "vnic_configs": .array(vnics)]
    }

    @Test("a static vNIC with ip/prefix, netmask subnet and gateway is normalised")
    func staticNormalised() throws {
        let spec = try DeviceSpec(message: Self.message([
            ["name": "lan", "parent_interface": "eth0", "network_mode": "STATIC", "ip": "192.168.1.10/24",
             "subnet": "255.255.255.0", "gateway": "192.168.1.1", "dns": ["1.1.1.1"], "mac": "02:AA:bb:cc:dd:ee"],
        ]))
        let v = try #require(spec.vnics.first)
        #expect(v.mode == .staticIP)
        #expect(v.ip?.description == "192.168.1.10")
        #expect(v.subnet?.description == "192.168.1.0/24")
        #expect(v.mac == "02:aa:bb:cc:dd:ee")
        #expect(spec.runtimeVersion == "latest")
    }

    static let badVNICs: [(JSONValue, String)] = [
        (["name": "lan", "parent_interface": "eth0", "network_mode": "static"], "vnic_configs[0].ip"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "bridge"], "vnic_configs[0].network_mode"),
        (["name": "lan", "parent_interface": "this-is-too-long-0", "network_mode": "dhcp"], "vnic_configs[0].parent_interface"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.300"], "vnic_configs[0].ip"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.1.5", "subnet": "10.0.0.0/24"], "vnic_configs[0].ip"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.0", "subnet": "10.0.0.0/24"], "vnic_configs[0].ip"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp", "mac": "01:00:5e:00:00:01"], "vnic_configs[0].mac"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp", "subnet": "255.0.255.0"], "vnic_configs[0].subnet"),
        (["name": "lan", "parent_interface": "eth0", "network_mode": "dhcp", "dns": ["x"]], "vnic_configs[0].dns[0]"),
    ]

    @Test("bad input gets a typed error naming the field", arguments: badVNICs)
    func rejects(vnic: JSONValue, field: String) {
        #expect {
            _ = try DeviceSpec(message: Self.message([vnic]))
        } throws: { e in
            (e as? RuntimeError)?.field == field
        }
    }

    @Test("container names: Docker rules, no pseudo id")
    func names() {
        #expect(throws: RuntimeError.self) { try DeviceSpec(message: Self.message([], name: "__orchestrator__")) }
        #expect(throws: RuntimeError.self) { try DeviceSpec(message: Self.message([], name: "-x")) }
        #expect(throws: RuntimeError.self) { try DeviceSpec(message: Self.message([], name: "a b")) }
        #expect((try? DeviceSpec(message: Self.message([], name: "0f6c9d4e-plc_1.a"))) != nil)
    }

    @Test("duplicate vNIC names and two vNICs on one network are refused")
    func duplicates() throws {
        let a: JSONValue = ["name": "a", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.5", "subnet": "10.0.0.0/24"]
        let b: JSONValue = ["name": "b", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.6", "subnet": "10.0.0.0/24"]
        #expect(throws: RuntimeError.self) { try DeviceSpec(message: Self.message([a, a])) }
        let spec = try DeviceSpec(message: Self.message([a, b]))
        #expect { _ = try ContainerPlan(spec: spec, settings: .init(), lanOf: { _ in nil }) } throws: { e in
            (e as? RuntimeError)?.code == "duplicate_network"
        }
    }

    @Test("the fingerprint ignores defaults and key order but not content")
    func fingerprint() throws {
        let v: JSONValue = ["name": "a", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.5/24"]
        let v2: JSONValue = ["network_mode": "static", "ip": "10.0.0.5", "subnet": "10.0.0.0/24", "name": "a", "parent_interface": "eth0"]
        var m1 = Self.message([v])
        m1["correlation_id"] = 7
        var m2 = Self.message([v2])
        m2["runtime_version"] = "latest"
        #expect(try DeviceSpec(message: m1).fingerprint == DeviceSpec(message: m2).fingerprint)
        let v3: JSONValue = ["name": "a", "parent_interface": "eth0", "network_mode": "static", "ip": "10.0.0.6/24"]
        #expect(try DeviceSpec(message: Self.message([v3])).fingerprint != DeviceSpec(message: m1).fingerprint)
    }
}

@Suite("container plan")
struct PlanTests {
    @Test("settings as spec §5.1, network names as §5.2, first MACVLAN first")
    func plan() throws {
        let spec = try DeviceSpec(message: [
            "container_name": "plc1", "runtime_version": "v4",
            "vnic_configs": [
                ["name": "a", "parent_interface": "eth0", "network_mode": "static", "ip": "192.168.1.10", "dns": ["8.8.8.8"]],
                ["name": "b", "parent_interface": "eth1", "network_mode": "dhcp", "dns": ["8.8.8.8", "1.1.1.1"]],
            ],
        ])
        var n = 0
        let plan = try ContainerPlan(
            spec: spec, settings: .init(),
            lanOf: { p in p == "eth0" ? (IPv4Network(cidr: "192.168.1.0/24")!, IPv4("192.168.1.1")) : (IPv4Network(cidr: "10.1.0.0/16")!, nil) },
            newMAC: {
                n += 1
                return "02:00:00:00:00:0\(n)"
            })
        #expect(plan.image == "ghcr.io/autonomy-logic/openplc-runtime:v4")
        #expect(plan.vnics.map(\.network.name) == ["macvlan_eth0_192.168.1.0_24", "macvlan_eth1_10.1.0.0_16"])
        let nets = plan.networks.compactMap { $0.objectValue?["network"]?.stringValue }
        #expect(nets == ["macvlan_eth0_192.168.1.0_24", "plc1_internal", "macvlan_eth1_10.1.0.0_16"])
        #expect(plan.networks[0].objectValue?["ipv4_address"] == "192.168.1.10")
        #expect(plan.networks[2].objectValue?["ipv4_address"] == nil)  // DHCP: no static address
        let hc = plan.hostConfig
        #expect(hc["CapAdd"] == ["SYS_NICE", "MKNOD"])
        #expect(hc["RestartPolicy"] == ["Name": "no"])
        #expect(hc["Dns"] == ["8.8.8.8", "1.1.1.1"])
        #expect(hc["NanoCpus"] == nil && hc["CpuQuota"] == nil && hc["Memory"] == nil)
        #expect(hc["Ulimits"]?.arrayValue?.count == 2)
        #expect(plan.containerLabels["io.autonomy.vnic.b"] == "macvlan_eth1_10.1.0.0_16")
        #expect(plan.containerLabels["io.autonomy.managed"] == "true")
    }

    @Test("a vNIC without subnet and no netmon answer is a typed error")
    func subnetUnknown() throws {
        let spec = try DeviceSpec(message: [
            "container_name": "plc1",
            "vnic_configs": [["name": "a", "parent_interface": "eth0", "network_mode": "dhcp"]],
        ])
        #expect { _ = try ContainerPlan(spec: spec, settings: .init(), lanOf: { _ in nil }) } throws: { e in
            (e as? RuntimeError)?.code == "subnet_unknown"
        }
    }

    @Test("generated MACs are locally administered unicast")
    func macs() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let m = MACAddress.generate(using: &rng)
            let first = UInt8(m.prefix(2), radix: 16)!
            #expect(first & 0x02 == 0x02 && first & 0x01 == 0)
            #expect(MACAddress.normalize(m) == m)
        }
    }
}

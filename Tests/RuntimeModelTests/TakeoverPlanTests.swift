import AgentJSON
import Foundation
import RuntimeModel
import Testing

/// The takeover of a Python-agent site, as a plan: the files as the Python agent writes them
/// (spec §7.7), containers as `container.inspect` shows them.
@Suite("Takeover plan: the Python agent's files and containers")
struct TakeoverPlanTests {
    static let repo = "ghcr.io/autonomy-logic/openplc-runtime"

    /// A site: plc-a (static, on macvlan_eth0_192.168.1.0_24), plc-b (DHCP, with a lease file).
    static var files: [String: String] {
        [
            "data/clients.json": #"{"plc-a": {"ip": "172.18.0.2", "name": "plc-a"}, "plc-b": {"ip": "172.19.0.2", "name": "plc-b"}}"#,
            "runtime_vnics.json": #"""
                {"plc-a": [{"name": "eth0", "parent_interface": "eth0", "network_mode": "static", "ip": "192.168.1.50",
                            "subnet": "255.255.255.0", "gateway": "192.168.1.1", "dns": ["8.8.8.8"], "mac": null,
                            "_interface_type": "ethernet", "_is_wifi": false, "_network_method": "macvlan",
                            "mac_address": "02:1a:2b:3c:4d:5e", "docker_network_name": "macvlan_eth0_192.168.1.0_24"}],
                 "plc-b": [{"name": "lan", "parent_interface": "eth0", "network_mode": "dhcp", "ip": null, "subnet": null,
                            "gateway": null, "mac_address": "02:aa:bb:cc:dd:01", "docker_network_name": "macvlan_eth0_192.168.1.0_24",
                            "dhcp_ip": "192.168.1.77", "dhcp_gateway": "192.168.1.1"}]}
                """#,
            "data/serial_configs.json": #"{"plc-a": {"serial_ports": [{"name": "rs485", "device_id": "usb-FTDI", "container_path": "/dev/ttyS0", "status": "configured"}]}}"#,
            "dedicated_nics.json": #"{"plc-b": {"host_interface": "eth2"}}"#,
            "dhcp/plc-b_lan.lease": #"{"interface": "eth1", "ip": "192.168.1.77", "prefix": "24", "router": "192.168.1.1", "lease": "3600", "event": "bound"}"#,
        ]
    }

    static func container(
        _ name: String, image: String = repo + ":v3", nets: [String: (ip: String, mac: String)], labels: JSONObject = [:]
    ) -> JSONObject {
        var networks: JSONObject = [:]
        for (n, e) in nets { networks[n] = ["ip_address": .string(e.ip), "mac_address": .string(e.mac)] }
        return [
            "id": .string("id-" + name), "name": .string(name), "image": .string(image), "labels": .object(labels),
            "networks": .object(networks), "state": ["running": true],
        ]
    }

    static var containers: [String: JSONObject] {
        [
            "plc-a": container("plc-a", nets: [
                "plc-a_internal": ("172.18.0.2", "02:42:ac:12:00:02"),
                "macvlan_eth0_192.168.1.0_24": ("192.168.1.50", "02:1a:2b:3c:4d:5e"),
            ]),
            "plc-b": container("plc-b", image: repo, nets: [
                "plc-b_internal": ("172.19.0.2", "02:42:ac:13:00:02"),
                "macvlan_eth0_192.168.1.0_24": ("192.168.1.240", "02:aa:bb:cc:dd:01"),
            ]),
        ]
    }

    static func state(_ files: [String: String]) -> LegacyState {
        LegacyState(
            read: { files[$0].map { Array($0.utf8) } },
            leaseFiles: files.keys.filter { $0.hasPrefix("dhcp/") }.map { String($0.dropFirst(5)) })
    }

    static func plan(
        _ files: [String: String] = files, containers: [String: JSONObject] = containers, known: Set<String> = []
    ) -> TakeoverPlan {
        TakeoverPlan(legacy: state(files), containers: containers, known: known, imageRepositories: [repo], importedAt: "2026-12-07T00:00:00Z")
    }

    @Test("the files read as the Python agent wrote them: devices, vNIC records, serial ports, dedicated NIC, leases")
    func readsTheFiles() {
        let s = Self.state(Self.files)
        #expect(s.findings.isEmpty)
        #expect(s.devices.keys.sorted() == ["plc-a", "plc-b"])
        #expect(s.devices["plc-a"]?.internalIP == "172.18.0.2")
        #expect(s.devices["plc-a"]?.vnics.first?["mac_address"] == "02:1a:2b:3c:4d:5e")
        #expect(s.devices["plc-a"]?.serialPorts.count == 1)
        #expect(s.devices["plc-b"]?.dedicatedInterface == "eth2")
        #expect(s.devices["plc-b"]?.leases["lan"]?["ip"] == "192.168.1.77")
    }

    @Test("both vPLCs are adopted as they run: Docker's MACs and addresses, the image's tag, the request rebuilt")
    func adoptsAsTheyRun() throws {
        let p = Self.plan()
        #expect(p.findings.isEmpty, "\(p.findings)")
        #expect(p.adoptions.map(\.spec.deviceID) == ["plc-a", "plc-b"])
        let a = try #require(p.adoptions.first)
        #expect(a.spec.runtimeVersion == "v3")
        #expect(a.spec.vnics.first?.ip?.description == "192.168.1.50")
        #expect(a.spec.vnics.first?.subnet?.description == "192.168.1.0/24")
        #expect(a.spec.serialConfigs.count == 1)
        #expect(a.record.vnics == [
            DeviceRecord.VNIC(name: "eth0", network: "macvlan_eth0_192.168.1.0_24", parent: "eth0", mode: "static", mac: "02:1a:2b:3c:4d:5e", ip: "192.168.1.50")
        ])
        #expect(a.record.containerID == "id-plc-a")
        #expect(a.record.adoptedFrom == "python-agent")
        #expect(a.record.desired == .running)
        let b = try #require(p.adoptions.last)
        #expect(b.spec.runtimeVersion == "latest")  // no tag is latest, as Docker reads it
        #expect(b.spec.dedicatedInterface == "eth2")
        #expect(b.record.vnics.first?.mode == "dhcp")
        #expect(b.record.vnics.first?.mac == "02:aa:bb:cc:dd:01")
        // The DHCP vNIC carries the Python sidecar's lease (Docker's 192.168.1.240 is a placeholder).
        #expect(b.record.vnics.first?.leasedIP == "192.168.1.77")
        #expect(a.record.vnics.first?.leasedIP == nil)
        let planned = p.json["adopt"]?.arrayValue?.last?.objectValue?["vnics"]?.arrayValue?.first?.objectValue
        #expect(planned?["ip"] == "192.168.1.77", "the plan shows the leased address: \(String(describing: planned))")
    }

    @Test("a DHCP vNIC without a lease file, or with a lease that is no address, gets no leased address")
    func noLeaseNoAddress() throws {
        var files = Self.files
        files["dhcp/plc-b_lan.lease"] = nil
        let none = Self.plan(files)
        #expect(none.adoptions.last?.record.vnics.first?.leasedIP == nil)
        files["dhcp/plc-b_lan.lease"] = #"{"ip": "not-an-address", "event": "bound"}"#
        #expect(Self.plan(files).adoptions.last?.record.vnics.first?.leasedIP == nil)
    }

    @Test("a record survives the store: adopted_from and the leased address are kept")
    func recordRoundTrip() throws {
        for adoption in Self.plan().adoptions {
            #expect(try DeviceRecord(json: adoption.record.json) == adoption.record)
        }
    }

    @Test("a second start plans nothing for what it adopted; the agent's own labelled containers are not taken over")
    func idempotent() {
        var containers = Self.containers
        containers["plc-b"]?["labels"] = [Naming.managedLabel: "true"]
        let p = Self.plan(containers: containers, known: ["plc-a"])
        #expect(p.adoptions.isEmpty)
        #expect(p.skipped == ["plc-a": "already_known", "plc-b": "managed"])
        #expect(p.findings.isEmpty)
    }

    @Test("what does not match is a typed finding, never a guess", arguments: [
        ("missing", TakeoverFinding.Code.containerMissing),
        ("image", .unexpectedImage),
        ("internal", .internalNetworkMissing),
        ("macvlan", .vnicNetworkMissing),
        ("badvnic", .vnicInvalid),
    ])
    func blockers(_ case: String, _ code: TakeoverFinding.Code) {
        var files = Self.files
        var containers = Self.containers
        switch `case` {
        case "missing": containers["plc-a"] = nil
        case "image": containers["plc-a"]?["image"] = "nginx:latest"
        case "internal":
            containers["plc-a"] = Self.container("plc-a", nets: ["macvlan_eth0_192.168.1.0_24": ("192.168.1.50", "02:1a:2b:3c:4d:5e")])
        case "macvlan": containers["plc-a"] = Self.container("plc-a", nets: ["plc-a_internal": ("172.18.0.2", "02:42:ac:12:00:02")])
        default: files["runtime_vnics.json"] = files["runtime_vnics.json"]?.replacingFirst(#""network_mode": "static""#, with: #""network_mode": "bridge""#)
        }
        let p = Self.plan(files, containers: containers)
        #expect(p.adoptions.map(\.spec.deviceID) == ["plc-b"], "plc-a is left alone; plc-b is not affected")
        let f = p.findings.filter { $0.device == "plc-a" }
        #expect(f.map(\.code) == [code], "\(p.findings)")
        #expect(f.allSatisfy { $0.blocksAdoption })
    }

    @Test("a WiFi vNIC is adopted with the Python agent's _proxy_arp_config: no MACVLAN, the bridge's address kept")
    func wifi() throws {
        var files = Self.files
        files["runtime_vnics.json"] = files["runtime_vnics.json"]?.replacingFirst(
            #""_is_wifi": false, "_network_method": "macvlan","#,
            with: #""_is_wifi": true, "_network_method": "proxy_arp", "_proxy_arp_config": {"veth_host": "veth-plc-a", "veth_container": "eth1", "ip_address": "192.168.1.50", "gateway": "192.168.1.1", "parent_interface": "wlan0"},"#
        ).replacingFirst(#""parent_interface": "eth0", "network_mode": "static""#, with: #""parent_interface": "wlan0", "network_mode": "static""#)
        var containers = Self.containers
        containers["plc-a"] = Self.container("plc-a", nets: ["plc-a_internal": ("172.18.0.2", "02:42:ac:12:00:02")])
        let p = Self.plan(files, containers: containers)
        #expect(p.findings.filter { $0.device == "plc-a" }.isEmpty, "\(p.findings)")
        let a = try #require(p.adoptions.first { $0.spec.deviceID == "plc-a" })
        let v = try #require(a.record.vnics.first)
        #expect(v.isWifi && v.network == "wifi_wlan0_eth0" && v.mac == "" && v.ip == "192.168.1.50")
        #expect(v.proxyARP == ProxyARPConfig(vethHost: "veth-plc-a", vethContainer: "eth1", ip: "192.168.1.50", gateway: "192.168.1.1", parent: "wlan0"))
    }

    @Test("a MAC or a static address Docker has otherwise is adopted as Docker has it, with a note")
    func notes() throws {
        var containers = Self.containers
        containers["plc-a"] = Self.container("plc-a", nets: [
            "plc-a_internal": ("172.18.0.2", "02:42:ac:12:00:02"),
            "macvlan_eth0_192.168.1.0_24": ("192.168.1.51", "02:1a:2b:3c:4d:99"),
        ])
        let p = Self.plan(containers: containers)
        #expect(p.adoptions.count == 2)
        #expect(Set(p.findings.map(\.code)) == [.macMismatch, .ipMismatch])
        #expect(p.findings.allSatisfy { !$0.blocksAdoption })
        let a = try #require(p.adoptions.first)
        #expect(a.record.vnics.first?.mac == "02:1a:2b:3c:4d:99")
        #expect(a.record.vnics.first?.ip == "192.168.1.51")
    }

    @Test("an unreadable file is a finding; the devices the other files name are still considered")
    func unreadableFile() {
        var files = Self.files
        files["data/clients.json"] = "{not json"
        files["dhcp/plc-b_lan.lease"] = "garbage"
        let s = Self.state(files)
        #expect(s.findings.map(\.code) == [.legacyFileUnreadable, .legacyFileUnreadable])
        #expect(s.devices.keys.sorted() == ["plc-a", "plc-b"], "runtime_vnics.json still names both")
        #expect(s.devices["plc-b"]?.leases.isEmpty == true)
        let p = Self.plan(files)
        #expect(p.adoptions.count == 2, "a bad clients.json or lease file does not block: the containers decide")
    }

    @Test("a vNIC list that is not a list blocks that vPLC only")
    func badVNICList() {
        var files = Self.files
        files["runtime_vnics.json"] = #"{"plc-a": "eth0", "plc-b": []}"#
        let p = Self.plan(files)
        #expect(p.adoptions.map(\.spec.deviceID) == ["plc-b"])
        #expect(p.findings.map(\.code) == [.legacyFileUnreadable])
    }

    @Test("lease files are matched to the longest device name: names and vNICs may hold '_'")
    func leaseNames() {
        let s = LegacyState(
            read: { path in
                switch path {
                case "runtime_vnics.json": return Array(#"{"plc": [], "plc_x": []}"#.utf8)
                case "dhcp/plc_x_eth_1.lease": return Array(#"{"ip": "10.0.0.9"}"#.utf8)
                default: return nil
                }
            }, leaseFiles: ["plc_x_eth_1.lease", "notes.txt"])
        #expect(s.devices["plc_x"]?.leases["eth_1"]?["ip"] == "10.0.0.9")
        #expect(s.devices["plc"]?.leases.isEmpty == true)
    }

    @Test("image references split into repository and tag as Docker reads them", arguments: [
        ("ghcr.io/autonomy-logic/openplc-runtime:v3", "ghcr.io/autonomy-logic/openplc-runtime", "v3"),
        ("ghcr.io/autonomy-logic/openplc-runtime", "ghcr.io/autonomy-logic/openplc-runtime", "latest"),
        ("localhost:5000/runtime", "localhost:5000/runtime", "latest"),
        ("localhost:5000/runtime:1.2", "localhost:5000/runtime", "1.2"),
        ("repo/runtime@sha256:abc", "repo/runtime", "latest"),
    ])
    func imageReference(_ ref: String, _ repo: String, _ tag: String) {
        let (r, t) = ImageReference.split(ref)
        #expect(r == repo && t == tag)
    }

    @Test("serial ports are taken with the request's keys only; a port this agent cannot use is a note, the vPLC is adopted")
    func serialPorts() throws {
        var files = Self.files
        files["data/serial_configs.json"] = #"""
            {"plc-a": {"serial_ports": [
                {"name": "rs485", "device_id": "usb-FTDI", "container_path": "/dev/ttyS0", "status": "connected",
                 "current_host_path": "/dev/ttyUSB0", "major": 188, "minor": 0},
                {"name": "bad", "device_id": "x", "container_path": "ttyS1"},
                {"name": "twice", "device_id": "y", "container_path": "/dev/ttyS0"}]}}
            """#
        let p = Self.plan(files)
        let a = try #require(p.adoptions.first { $0.spec.deviceID == "plc-a" })
        #expect(a.spec.serialConfigs == [["name": "rs485", "device_id": "usb-FTDI", "container_path": "/dev/ttyS0"]])
        let notes = p.findings.filter { $0.code == .serialConfigInvalid }
        #expect(notes.count == 2, "\(p.findings)")
        #expect(notes.allSatisfy { !$0.blocksAdoption && $0.device == "plc-a" })
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}

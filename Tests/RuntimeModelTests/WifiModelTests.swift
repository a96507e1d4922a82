import AgentJSON
import RuntimeModel
import Testing

/// WiFi vNICs in the model (docs/networking.md, "WiFi uplinks"): planned without a MACVLAN,
/// shown as `wifi_<parent>_<vnic>` pseudo-networks, recorded with their bridge; dedicated NICs
/// held by one vPLC only.
@Suite("WiFi vNICs and dedicated NIC claims")
struct WifiModelTests {
    static func spec(_ vnics: [JSONValue], dedicated: String? = nil, name: String = "plc1") throws -> DeviceSpec {
        var m: JSONObject = ["container_name": .string(name), "vnic_configs": .array(vnics)]
        if let dedicated { m["dedicated_interface"] = .string(dedicated) }
        return try DeviceSpec(message: m)
    }

    static let lan: (IPv4Network, IPv4?) = (IPv4Network(cidr: "192.168.5.0/24")!, IPv4("192.168.5.1"))

    @Test("a vNIC on a WiFi parent is never a MACVLAN: no network, the LAN's prefix and gateway, two on one parent allowed")
    func plan() throws {
        let spec = try Self.spec([
            ["name": "w1", "parent_interface": "wlan0", "network_mode": "static", "ip": "192.168.5.40"],
            ["name": "w2", "parent_interface": "wlan0", "network_mode": "dhcp"],
            ["name": "e1", "parent_interface": "eth0", "network_mode": "static", "ip": "10.1.0.5", "subnet": "10.1.0.0/16"],
        ])
        let plan = try ContainerPlan(spec: spec, settings: .init(), lanOf: { $0 == "wlan0" ? Self.lan : nil }, wifiParents: ["wlan0"])
        #expect(plan.vnics.map(\.spec.name) == ["e1"])
        #expect(plan.wifiVNICs.map(\.spec.name) == ["w1", "w2"])
        #expect(plan.wifiVNICs[0].prefix == 24 && plan.wifiVNICs[0].gateway?.description == "192.168.5.1")
        #expect(plan.wifiVNICs[0].pseudoNetwork == "wifi_wlan0_w1")
        #expect(plan.networks.count == 2, "the internal bridge and the one MACVLAN: \(plan.networks)")
        #expect(plan.containerLabels["io.autonomy.vnic.w2"] == "wifi_wlan0_w2")
        // Without the WiFi rule the same vNICs are two MACVLAN endpoints on one network: refused.
        #expect(throws: RuntimeError.self) { try ContainerPlan(spec: spec, settings: .init(), lanOf: { $0 == "wlan0" ? Self.lan : nil }) }
        let outside = try Self.spec([["name": "w1", "parent_interface": "wlan0", "network_mode": "static", "ip": "10.9.9.9"]])
        #expect { _ = try ContainerPlan(spec: outside, settings: .init(), lanOf: { _ in Self.lan }, wifiParents: ["wlan0"]) } throws: { e in
            (e as? RuntimeError)?.field == "vnic_configs[0].ip"
        }
        let unknownLAN = try ContainerPlan(spec: outside, settings: .init(), lanOf: { _ in nil }, wifiParents: ["wlan0"])
        #expect(unknownLAN.wifiVNICs[0].prefix == 24 && unknownLAN.wifiVNICs[0].gateway == nil, "upstream's /24 default")
    }

    static func wifiVNIC(_ mode: String, ip: String?, config: ProxyARPConfig? = nil) -> DeviceRecord.VNIC {
        var v = DeviceRecord.VNIC(name: "wl", network: "wifi_wlan0_wl", parent: "wlan0", mode: mode, mac: "", ip: ip)
        v.method = Naming.proxyARPMethod
        v.proxyARP = config
        return v
    }

    static let config = ProxyARPConfig(vethHost: "veth-plc1", vethContainer: "wifi0", ip: "192.168.5.40", gateway: "192.168.5.1", parent: "wlan0", prefix: 24)

    @Test("get_device_status: the pseudo-network wifi_<parent>_<vnic>, mac_address null, IP from the bridge, then the lease, then the static address")
    func status() throws {
        let inspect: JSONObject = ["state": ["status": "running", "running": true], "networks": ["plc1_internal": ["ip_address": "172.20.0.2"]]]
        func network(_ v: DeviceRecord.VNIC, leases: [String: DHCPLease] = [:]) -> JSONObject? {
            let record = DeviceRecord(deviceID: "plc1", spec: [:], fingerprint: "f", vnics: [v], createdAt: "t")
            let s = DeviceStatus.compose(deviceID: "plc1", inspect: inspect, record: record, lastOperation: nil, now: 0, leases: leases)
            return s["networks"]?.objectValue?["wifi_wlan0_wl"]?.objectValue
        }
        let built = try #require(network(Self.wifiVNIC("static", ip: "192.168.5.40", config: Self.config)))
        #expect(built == ["ip_address": "192.168.5.40", "mac_address": .null, "gateway": "192.168.5.1"])
        #expect(network(Self.wifiVNIC("static", ip: "192.168.5.41"))?["ip_address"] == "192.168.5.41", "no bridge yet: the static address")
        let lease = try #require(DHCPLease(update: ["container_name": "plc1", "vnic_name": "wl", "event": "bound", "ip": "192.168.5.103", "gateway": "192.168.5.1", "mac_address": .null], now: "n"))
        let leased = try #require(network(Self.wifiVNIC("dhcp", ip: nil), leases: ["wl": lease]))
        #expect(leased["ip_address"] == "192.168.5.103" && leased["mac_address"] == .null)
        #expect(network(Self.wifiVNIC("dhcp", ip: nil))?["ip_address"] == .null, "no lease yet")

        let record = DeviceRecord(deviceID: "plc1", spec: [:], fingerprint: "f", vnics: [Self.wifiVNIC("static", ip: "192.168.5.40", config: Self.config)], createdAt: "t")
        let s = DeviceStatus.compose(deviceID: "plc1", inspect: inspect, record: record, lastOperation: nil, now: 0)
        let v = try #require(s["vnics"]?.arrayValue?.first?.objectValue)
        #expect(v["state"] == "attached" && v["mac_address"] == .null && v["network"] == "wifi_wlan0_wl")
        #expect(v["proxy_arp"]?.objectValue?["veth_host"] == "veth-plc1")
    }

    @Test("the record keeps the method and the bridge; a dhcp_update's proxy_arp_config is read")
    func record() throws {
        let record = DeviceRecord(deviceID: "plc1", spec: [:], fingerprint: "f", vnics: [Self.wifiVNIC("static", ip: "192.168.5.40", config: Self.config)], createdAt: "t")
        let back = try DeviceRecord(json: record.json)
        #expect(back == record && back.vnics[0].isWifi)
        let update: JSONObject = [
            "container_name": "plc1", "vnic_name": "wl", "event": "bound", "ip": "192.168.5.103", "mac_address": .null,
            "proxy_arp_config": ["veth_host": "veth-plc1", "veth_container": "eth1", "ip_address": "192.168.5.103", "gateway": "192.168.5.1", "parent_interface": "wlan0"],
        ]
        let lease = try #require(DHCPLease(update: update, now: "n"))
        #expect(lease.proxyARP?.ip == "192.168.5.103" && lease.proxyARP?.vethContainer == "eth1")
        #expect(ProxyARPConfig(json: ["veth_host": "v", "parent_interface": "wlan0", "ip_address": "nope"]) == nil)
    }

    @Test("a NIC dedicated to one vPLC is refused for another, as dedicated NIC or as a parent; a parent of another cannot be dedicated")
    func claims() throws {
        let holders = [
            DedicatedClaims.Holder(device: "plc-a", dedicated: "ecat0", parents: ["eth0"]),
            DedicatedClaims.Holder(device: "plc-b", dedicated: nil, parents: ["eth2"]),
        ]
        func refusal(_ spec: DeviceSpec) -> RuntimeError? {
            do throws(RuntimeError) {
                try DedicatedClaims.check(spec, against: holders)
                return nil
            } catch { return error }
        }
        let same = refusal(try Self.spec([], dedicated: "ecat0"))
        #expect(same?.code == "dedicated_interface_in_use" && same?.field == "dedicated_interface" && same?.message.contains("plc-a") == true)
        let parentOfOther = refusal(try Self.spec([], dedicated: "eth2"))
        #expect(parentOfOther?.code == "dedicated_interface_in_use")
        let asParent = refusal(try Self.spec([["name": "l", "parent_interface": "ecat0", "network_mode": "dhcp"]]))
        #expect(asParent?.code == "parent_is_dedicated" && asParent?.field == "vnic_configs[0].parent_interface")
        #expect(refusal(try Self.spec([["name": "l", "parent_interface": "eth0", "network_mode": "dhcp"]], dedicated: "ecat1")) == nil)
        #expect(refusal(try Self.spec([], dedicated: "ecat0", name: "plc-a")) == nil, "its own NIC (a repeated create)")
        #expect(DedicatedClaims.Holder(spec: ["container_name": "x", "dedicated_interface": "e", "vnic_configs": [["parent_interface": "p"]]]) == .init(device: "x", dedicated: "e", parents: ["p"]))

        #expect(throws: RuntimeError.self) { try DedicatedClaims.checkInterface("wlan0", entry: ["interface": "wlan0", "type": "wifi"]) }
        #expect(throws: RuntimeError.self) { try DedicatedClaims.checkInterface("ecat9", entry: nil) }
        try DedicatedClaims.checkInterface("ecat0", entry: ["interface": "ecat0", "type": "ethernet"])
    }
}

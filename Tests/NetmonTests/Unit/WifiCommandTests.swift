import AgentJSON
import Foundation
import NetmonCore
import Testing

/// The WiFi commands' fields (docs/network-monitor.md, "WiFi: proxy-ARP bridges"), the
/// dedicated-NIC owner on the NIC commands, and the interface type rule with a prepared sysfs.
@Suite struct WifiCommandTests {
    func parse(_ line: String) -> Result<NetmonRequest, RejectedRequest> { CommandParser.parse(Array(line.utf8)) }

    @Test func setupTakesUpstreamsFieldsAndEveryNetmaskForm() throws {
        let base = #""command":"setup_proxy_arp_bridge","container_name":"plc1","container_pid":"42","parent_interface":"wlan0","ip_address":"192.168.5.40""#
        let cases: [(String, Int)] = [
            ("", 24), (#","subnet_mask":"255.255.254.0""#, 23), (#","subnet_mask":"192.168.4.0/23""#, 23), (#","subnet_mask":"/20""#, 20),
            (#","subnet_mask":"28""#, 28), (#","subnet_mask":16"#, 16),
        ]
        for (extra, prefix) in cases {
            let r = try parse("{\(base)\(extra),\"gateway\":\"192.168.5.1\"}").get()
            #expect(
                r.command
                    == .setupProxyArp(
                        ProxyArpSetup(
                            key: ProxyArpKey(container: "plc1", vnic: nil), pid: 42, parent: "wlan0", ip: IPv4("192.168.5.40")!,
                            prefix: prefix, gateway: IPv4("192.168.5.1"))), "\(extra)")
        }
        let withVnic = try parse(#"{"command":"setup_proxy_arp_bridge","container_name":"plc1","vnic_name":"wl","container_pid":7,"parent_interface":"wlp2s0","ip_address":"10.0.0.9","veth_host":"veth-plc1"}"#).get()
        guard case .setupProxyArp(let s) = withVnic.command else { Issue.record("\(withVnic)"); return }
        #expect(s.key.description == "plc1:wl" && s.gateway == nil && s.prefix == 24 && s.previousVeth == "veth-plc1")
    }

    @Test func badSetupFieldsAreTypedErrorsNamingTheField() {
        let base = #""command":"setup_proxy_arp_bridge","container_name":"plc1","container_pid":42,"parent_interface":"wlan0""#
        let cases: [(String, String)] = [
            (#"{\#(base)}"#, "ip_address"),
            (#"{\#(base),"ip_address":"300.1.1.1"}"#, "ip_address"),
            (#"{\#(base),"ip_address":"10.0.0.2","subnet_mask":"255.0.255.0"}"#, "subnet_mask"),
            (#"{\#(base),"ip_address":"10.0.0.2","subnet_mask":33}"#, "subnet_mask"),
            (#"{\#(base),"ip_address":"10.0.0.2","gateway":true}"#, "gateway"),
            (#"{"command":"setup_proxy_arp_bridge","container_name":"plc1","container_pid":42,"parent_interface":"wlan0/../x","ip_address":"10.0.0.2"}"#, "parent_interface"),
            (#"{"command":"setup_proxy_arp_bridge","container_name":"-x","container_pid":42,"parent_interface":"wlan0","ip_address":"10.0.0.2"}"#, "container_name"),
            (#"{"command":"setup_proxy_arp_bridge","container_name":"p","container_pid":0,"parent_interface":"wlan0","ip_address":"10.0.0.2"}"#, "container_pid"),
        ]
        for (line, field) in cases {
            guard case .failure(let r) = parse(line) else {
                Issue.record("accepted: \(line)")
                continue
            }
            #expect(r.error.code == .invalidField && r.error.field == field, "\(line): \(r.error)")
        }
    }

    @Test func cleanupAndWifiDhcp() throws {
        let c = try parse(#"{"command":"cleanup_proxy_arp_bridge","container_name":"plc1","ip_address":"10.0.0.2","parent_interface":"wlan0","veth_host":"veth-plc1"}"#).get()
        #expect(c.command == .cleanupProxyArp(ProxyArpCleanup(key: ProxyArpKey(container: "plc1", vnic: nil), ip: IPv4("10.0.0.2"), parent: "wlan0", vethHost: "veth-plc1")))
        let bare = try parse(#"{"command":"cleanup_proxy_arp_bridge","container_name":"plc1","ip_address":null}"#).get()
        #expect(bare.command == .cleanupProxyArp(ProxyArpCleanup(key: ProxyArpKey(container: "plc1", vnic: nil))))

        let d = try parse(#"{"command":"request_wifi_dhcp","container_name":"plc1","vnic_name":"wl","parent_interface":"wlan0","container_pid":5,"client_id":"plc1:wl"}"#).get()
        guard case .requestWifiDhcp(let r) = d.command else { Issue.record("\(d)"); return }
        #expect(r.clientID == "plc1:wl" && r.parent == "wlan0" && r.pid == 5)
        #expect(r.clientIDHex == "706c63313a776c", "option 61 is the client id's bytes")
        let defaulted = try parse(#"{"command":"request_wifi_dhcp","container_name":"plc1","vnic_name":"wl","parent_interface":"wlan0","container_pid":5}"#).get()
        guard case .requestWifiDhcp(let dr) = defaulted.command else { Issue.record("\(defaulted)"); return }
        #expect(dr.clientID == "plc1:wl", "upstream's default client id is <container>:<vnic>")
        guard case .failure(let bad) = parse(#"{"command":"request_wifi_dhcp","container_name":"p","vnic_name":"w","parent_interface":"wlan0","container_pid":5,"client_id":"a\u0001"}"#) else {
            Issue.record("a control character in client_id was accepted")
            return
        }
        #expect(bad.error.field == "client_id")
        #expect(!CommandParser.notSupportedNames.contains("setup_proxy_arp_bridge"))
    }

    @Test func nicCommandsCarryTheOwningContainer() throws {
        let m = try parse(#"{"command":"move_nic_to_container","host_interface":"enp3s0","container_pid":9,"container_name":"plc1"}"#).get()
        #expect(m.command == .moveNicToContainer(interface: "enp3s0", pid: 9, container: "plc1"))
        let old = try parse(#"{"command":"move_nic_to_container","host_interface":"enp3s0","container_pid":9}"#).get()
        #expect(old.command == .moveNicToContainer(interface: "enp3s0", pid: 9, container: nil), "upstream's agent names no container")
        let check = try parse(#"{"command":"check_nic_in_container","host_interface":"enp3s0","container_pid":9,"container_name":"plc1"}"#).get()
        #expect(check.command == .checkNicInContainer(interface: "enp3s0", pid: 9, container: "plc1"))
    }

    @Test func wifiIsDecidedByAPreparedSysfsFolderOrTheName() throws {
        let root = NSTemporaryDirectory() + "sysfs-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/class/net/eth-lab/wireless", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/class/net/usb0/phy80211", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/class/net/eth0", withIntermediateDirectories: true)
        let probe = InterfaceTypeProbe.sysfs(root: root)
        #expect(probe.type(of: "eth-lab") == "wifi")
        #expect(probe.type(of: "usb0") == "wifi")
        #expect(probe.type(of: "eth0") == "ethernet")
        #expect(probe.type(of: "wlp3s0") == "wifi", "the name rule needs no sysfs")
        #expect(probe.type(of: "../eth-lab") == "ethernet", "a name never walks out of the folder")
        #expect(InterfaceTypeProbe.sysfs(root: root + "/nope").type(of: "eth-lab") == "ethernet")

        #expect(try NetmonOptions.parse(["--sysfs-root", root]).sysfsRoot == root)
        #expect(try NetmonOptions.parse([]).sysfsRoot == "/sys")
        #expect(throws: NetmonOptions.UsageError.self) { try NetmonOptions.parse(["--sysfs-root", ""]) }
    }
}

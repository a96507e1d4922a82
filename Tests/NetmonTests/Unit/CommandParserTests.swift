import AgentJSON
import NetmonCore
import Testing

@Suite struct CommandParserTests {
    func parse(_ text: String) -> Result<NetmonRequest, RejectedRequest> { CommandParser.parse(Array(text.utf8)) }

    func error(_ text: String) -> RejectedRequest? {
        if case .failure(let r) = parse(text) { return r }
        return nil
    }

    @Test func startDhcpWithIntOrStringPid() throws {
        let a = try parse(#"{"command":"start_dhcp","id":"r1","container_name":"plc1","vnic_name":"eth0","mac_address":"02:AA:bb:cc:dd:01","container_pid":4242}"#).get()
        #expect(a.id == "r1")
        #expect(a.isConcurrent)
        #expect(a.command == .startDhcp(key: DhcpKey(container: "plc1", vnic: "eth0"), mac: "02:aa:bb:cc:dd:01", pid: 4242))
        let b = try parse(#"{"command":"start_dhcp","container_name":"plc1","vnic_name":"eth0","mac_address":"02:aa:bb:cc:dd:01","container_pid":"4242"}"#).get()
        #expect(b.id == nil)
        #expect(!b.isConcurrent)
        #expect(b.command == a.command)
    }

    @Test func startDhcpWithRequestedAddress() throws {
        let a = try parse(#"{"command":"start_dhcp","container_name":"plc1","vnic_name":"eth0","mac_address":"02:aa:bb:cc:dd:01","container_pid":42,"requested_ip":"192.168.77.105"}"#).get()
        #expect(a.command == .startDhcp(key: DhcpKey(container: "plc1", vnic: "eth0"), mac: "02:aa:bb:cc:dd:01", pid: 42, requestedIP: IPv4("192.168.77.105")))
        let b = try parse(#"{"command":"start_dhcp","container_name":"plc1","vnic_name":"eth0","mac_address":"02:aa:bb:cc:dd:01","container_pid":42,"requested_ip":null}"#).get()
        #expect(b.command == .startDhcp(key: DhcpKey(container: "plc1", vnic: "eth0"), mac: "02:aa:bb:cc:dd:01", pid: 42))
        for bad in [#""192.168.77""#, #""0.0.0.0""#, #""255.255.255.255""#, #""10.0.0.1; reboot""#, "7", "true"] {
            let r = error(#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01","container_pid":1,"requested_ip":"# + bad + "}")
            #expect(r?.error.code == .invalidField, "\(bad)")
            #expect(r?.error.field == "requested_ip", "\(bad)")
        }
    }

    @Test func idIsStringOrNumber() throws {
        #expect(try parse(#"{"command":"get_status","id":7}"#).get().id == .number(7))
        #expect(try parse(#"{"command":"get_status","id":null}"#).get().id == nil)
        let r = try #require(error(#"{"command":"get_status","id":true}"#))
        #expect(r.error.code == .invalidField)
        #expect(r.error.field == "id")
    }

    @Test func typedErrors() throws {
        let cases: [(String, NetmonError.Code, String?)] = [
            ("not json", .invalidJSON, nil),
            ("{\"command\":", .invalidJSON, nil),
            ("[1,2]", .invalidCommand, nil),
            ("\"get_status\"", .invalidCommand, nil),
            (#"{"id":1}"#, .invalidCommand, "command"),
            (#"{"command":5}"#, .invalidCommand, "command"),
            (#"{"command":"reboot"}"#, .unknownCommand, "command"),
            (#"{"command":"stop_dhcp","vnic_name":"eth0"}"#, .invalidField, "container_name"),
            (#"{"command":"stop_dhcp","container_name":"","vnic_name":"eth0"}"#, .invalidField, "container_name"),
            (#"{"command":"stop_dhcp","container_name":"../etc","vnic_name":"eth0"}"#, .invalidField, "container_name"),
            (#"{"command":"stop_dhcp","container_name":"a/b","vnic_name":"eth0"}"#, .invalidField, "container_name"),
            (#"{"command":"stop_dhcp","container_name":"plc","vnic_name":7}"#, .invalidField, "vnic_name"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"zz:aa:bb:cc:dd:01","container_pid":1}"#, .invalidField, "mac_address"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01","container_pid":true}"#, .invalidField, "container_pid"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01","container_pid":1.5}"#, .invalidField, "container_pid"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01","container_pid":"12x"}"#, .invalidField, "container_pid"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01","container_pid":0}"#, .invalidField, "container_pid"),
            (#"{"command":"start_dhcp","container_name":"p","vnic_name":"e","mac_address":"02:aa:bb:cc:dd:01"}"#, .invalidField, "container_pid"),
            (#"{"command":"move_nic_to_container","host_interface":"averyveryverylongname","container_pid":9}"#, .invalidField, "host_interface"),
            (#"{"command":"move_nic_to_container","host_interface":"eth0;rm","container_pid":9}"#, .invalidField, "host_interface"),
            (#"{"command":"set_link_mac","container_pid":9,"current_mac":"02:aa:bb:cc:dd:01"}"#, .invalidField, "mac_address"),
            (#"{"command":"bind_device_node","container_pid":9,"host_path":"/dev/pts/1"}"#, .invalidField, "container_path"),
            (#"{"command":"bind_device_node","container_pid":9,"host_path":"/dev/pts/1","container_path":"/dev/./x"}"#, .invalidField, "container_path"),
            (#"{"command":"bind_device_node","container_pid":9,"host_path":"/dev/pts/1","container_path":"/"}"#, .invalidField, "container_path"),
            (#"{"command":"bind_device_node","container_pid":9,"host_path":"pts/1","container_path":"/dev/x"}"#, .invalidField, "host_path"),
            (#"{"command":"remove_device_node","container_pid":0,"container_path":"/dev/x"}"#, .invalidField, "container_pid"),
        ]
        for (line, code, field) in cases {
            let r = error(line)
            #expect(r?.error.code == code, "\(line)")
            #expect(r?.error.field == field, "\(line)")
        }
        #expect(error("nope")?.error.message == "Invalid JSON")
        #expect(error(#"{"command":"reboot"}"#)?.error.message == "Unknown command: reboot")
    }

    @Test func everyCommandParses() throws {
        let lines: [String: NetmonCommand] = [
            #"{"command":"get_interfaces"}"#: .getInterfaces,
            #"{"command":"get_status"}"#: .getStatus,
            #"{"command":"get_netlink_status"}"#: .getStatus,
            #"{"command":"get_dhcp_status"}"#: .getDhcpStatus,
            #"{"command":"discover_devices"}"#: .discoverDevices,
            #"{"command":"get_device_status"}"#: .getDevices,
            #"{"command":"renew_dhcp","container_name":"p","vnic_name":"e"}"#: .renewDhcp(key: DhcpKey(container: "p", vnic: "e")),
            #"{"command":"set_link_mac","container_pid":9,"current_mac":"02:00:00:00:00:01","mac_address":"02:00:00:00:00:02"}"#:
                .setLinkMac(pid: 9, currentMac: "02:00:00:00:00:01", newMac: "02:00:00:00:00:02"),
            #"{"command":"return_nic_to_host","host_interface":"enp3s0","container_pid":"9"}"#: .returnNicToHost(interface: "enp3s0", pid: 9),
            #"{"command":"check_nic_in_container","host_interface":"enp3s0","container_pid":9}"#: .checkNicInContainer(interface: "enp3s0", pid: 9),
            #"{"command":"cleanup_all_proxy_arp"}"#: .cleanupAllProxyArp,
            #"{"command":"bind_device_node","container_pid":9,"host_path":"/dev/ttyUSB0","container_path":"/dev/ttyS0"}"#:
                .bindDeviceNode(pid: 9, hostPath: "/dev/ttyUSB0", containerPath: "/dev/ttyS0"),
            #"{"command":"remove_device_node","container_pid":9,"container_path":"/dev/ttyS0"}"#: .removeDeviceNode(pid: 9, containerPath: "/dev/ttyS0"),
        ]
        for (line, command) in lines { #expect(try parse(line).get().command == command, "\(line)") }
    }

    @Test func replies() {
        #expect(JSONWriter.string(Reply.success(id: 3, ["present": true])) == #"{"id":3,"success":true,"present":true}"#)
        #expect(JSONWriter.string(Reply.success(id: nil)) == #"{"success":true}"#)
        let f = Reply.failure(id: "a", NetmonError(.invalidField, "Missing field: vnic_name", field: "vnic_name"))
        #expect(
            JSONWriter.string(f) == #"{"id":"a","success":false,"error":"Missing field: vnic_name","code":"invalid_field","field":"vnic_name"}"#)
        #expect(
            JSONWriter.string(Reply.rejected(RejectedRequest(id: nil, error: NetmonError(.invalidJSON, "Invalid JSON"))))
                == #"{"success":false,"error":"Invalid JSON","code":"invalid_json"}"#)
        #expect(
            JSONWriter.string(Reply.peerRefused(uid: 1000)) == #"{"success":false,"code":"peer_refused","error":"uid 1000 may not use netmon"}"#)
    }

    @Test func deviceCommands() throws {
        #expect(try parse(#"{"command":"discover_devices"}"#).get().command == .discoverDevices)
        #expect(try parse(#"{"command":"get_device_status"}"#).get().command == .getDevices)
        let add = try parse(#"{"command":"test_add_device","device":{"path":"/dev/pts/3","major":136,"minor":3,"by_id":"/dev/serial/by-id/test-pty"}}"#).get()
        #expect(add.command == .testAddDevice(SerialDevice(path: "/dev/pts/3", byID: "/dev/serial/by-id/test-pty", major: 136, minor: 3, injected: true)))
        #expect(try parse(#"{"command":"test_remove_device","path":"/dev/pts/3"}"#).get().command == .testRemoveDevice(path: "/dev/pts/3"))
        let cases: [(String, String)] = [
            (#"{"command":"test_add_device"}"#, "device"),
            (#"{"command":"test_add_device","device":{"major":1,"minor":2}}"#, "device.path"),
            (#"{"command":"test_add_device","device":{"path":"rel","major":1,"minor":2}}"#, "device.path"),
            (#"{"command":"test_add_device","device":{"path":"/dev/../x","major":1,"minor":2}}"#, "device.path"),
            (#"{"command":"test_add_device","device":{"path":"/dev/x","minor":2}}"#, "device.major"),
            (#"{"command":"test_add_device","device":{"path":"/dev/x","major":1,"minor":2,"serial":5}}"#, "device.serial"),
            (#"{"command":"test_remove_device"}"#, "path"),
        ]
        for (line, field) in cases {
            let r = error(line)
            #expect(r?.error.code == .invalidField, "\(line)")
            #expect(r?.error.field == field, "\(line)")
        }
    }
}

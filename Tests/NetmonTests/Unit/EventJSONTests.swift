import AgentJSON
import NetmonCore
import NetmonProtocol
import Testing

@Suite struct EventJSONTests {
    let probe = InterfaceTypeProbe.none
    let ts = "2026-11-26T06:30:00.123Z"

    @Test func interfaceInfoShape() throws {
        let info = try #require(Fixture.table().info(2, probe: probe))
        let json = JSONWriter.string(info.json(timestamp: ts))
        #expect(
            json
                == #"{"interface":"eth0","index":2,"operstate":"UP","status":"up","type":"ethernet","virtual":false,"#
                + #""mac_address":"02:00:00:00:00:01","mtu":1500,"ipv4_addresses":[{"address":"192.168.1.5","prefixlen":24,"#
                + #""subnet":"192.168.1.0/24","network_address":"192.168.1.0"}],"gateway":"192.168.1.1","timestamp":"2026-11-26T06:30:00.123Z"}"#
        )
    }

    @Test func downAndRemovedStubs() throws {
        let info = try #require(Fixture.table().info(4, probe: probe))
        let down = NetmonEvents.networkChange(.down(info), timestamp: ts)
        #expect(
            JSONWriter.string(down)
                == #"{"type":"network_change","data":{"interface":"veth9","index":4,"status":"down","ipv4_addresses":[],"#
                + #""gateway":null,"mac_address":"02:00:00:00:00:01","type":"ethernet","virtual":true,"timestamp":"2026-11-26T06:30:00.123Z"}}"#
        )
        let removed = NetmonEvents.networkChange(.removed(info), timestamp: ts)
        #expect(removed.objectValue?["data"]?.objectValue?["status"] == "removed")
        #expect(removed.objectValue?["type"]?.stringValue == NetmonWire.Event.networkChange)
    }

    @Test func discoveryListsEveryInterfaceIncludingDownOnes() {
        let infos = Fixture.table().allInfo(probe: probe)
        let d = NetmonEvents.networkDiscovery(infos, timestamp: ts).objectValue
        #expect(d?["type"] == "network_discovery")
        let list = d?["data"]?.objectValue?["interfaces"]?.arrayValue ?? []
        #expect(list.compactMap { $0.objectValue?["interface"]?.stringValue } == ["lo", "eth0", "wlan0", "veth9"])
        #expect(list.compactMap { $0.objectValue?["status"]?.stringValue } == ["up", "up", "up", "down"])
        #expect(list.compactMap { $0.objectValue?["virtual"]?.boolValue } == [true, false, false, true])
        #expect(d?["data"]?.objectValue?["timestamp"] == .string(ts))
        let dev = NetmonEvents.deviceDiscovery(timestamp: ts)
        #expect(JSONWriter.string(dev) == #"{"type":"device_discovery","data":{"devices":[],"timestamp":"2026-11-26T06:30:00.123Z"}}"#)
    }

    @Test func dhcpUpdateShape() throws {
        let lease = DhcpLease(
            event: "bound", interface: "eth1", ip: IPv4("192.168.77.110"), prefix: 24, gateway: IPv4("192.168.77.1"),
            dns: "192.168.77.1 1.1.1.1", leaseTime: 3600)
        let e = NetmonEvents.dhcpUpdate(
            container: "plc1", vnic: "eth0", mac: "02:aa:bb:cc:dd:01", interface: "eth1", event: "bound", lease: lease,
            error: nil, timestamp: ts)
        #expect(
            JSONWriter.string(e)
                == #"{"type":"dhcp_update","data":{"container_name":"plc1","vnic_name":"eth0","mac_address":"02:aa:bb:cc:dd:01","#
                + #""interface":"eth1","event":"bound","ip":"192.168.77.110","mask":"255.255.255.0","prefix":24,"gateway":"192.168.77.1","#
                + #""dns":"192.168.77.1 1.1.1.1","lease_time":3600,"timestamp":"2026-11-26T06:30:00.123Z"}}"#)
        let stopped = NetmonEvents.dhcpUpdate(
            container: "plc1", vnic: "eth0", mac: "02:aa:bb:cc:dd:01", interface: "eth1", event: "stopped", lease: nil,
            error: "container_exited", timestamp: ts)
        let data = try #require(stopped.objectValue?["data"]?.objectValue)
        #expect(data["event"] == "stopped")
        #expect(data["error"] == "container_exited")
        for key in ["ip", "mask", "prefix", "gateway", "dns", "lease_time"] { #expect(data[key] == .null, "\(key)") }
    }

    @Test func timestamps() {
        #expect(WireTime.iso8601(epochMs: 0) == "1970-01-01T00:00:00.000Z")
        #expect(WireTime.iso8601(epochMs: 1_795_674_600_123) == "2026-11-26T06:30:00.123Z")
        #expect(WireTime.iso8601(epochMs: 951_782_400_999) == "2000-02-29T00:00:00.999Z")
        #expect(Clock.timestamp().hasSuffix("Z"))
    }
}

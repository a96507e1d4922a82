import NetmonCore
import Testing

@Suite struct InterfaceTableTests {
    let probe = InterfaceTypeProbe.none

    @Test func infoFromDumps() throws {
        let t = Fixture.table()
        let eth = try #require(t.info(2, probe: probe))
        #expect(eth.name == "eth0")
        #expect(eth.isUp)
        #expect(eth.addresses == [.init(address: IPv4("192.168.1.5")!, prefix: 24)])
        #expect(eth.gateway == IPv4("192.168.1.1"))
        #expect(eth.isVirtual == false)
        #expect(eth.type == "ethernet")
        #expect(try #require(t.info(3, probe: probe)).type == "wifi")  // by name prefix
        #expect(try #require(t.info(4, probe: probe)).isVirtual)
        #expect(try #require(t.info(4, probe: probe)).isUp == false)
        #expect(t.info(99, probe: probe) == nil)
    }

    @Test func upNeedsAdminUpAndCarrier() {
        var l = Fixture.link(5, "eth1")
        l.flags = LinkRecord.flagUp  // no carrier
        #expect(!l.isUp)
        l.flags = LinkRecord.flagLowerUp
        #expect(!l.isUp)
        l.flags = LinkRecord.flagUp | LinkRecord.flagLowerUp
        l.operstate = 0  // UNKNOWN, as veth/tun report: still up
        #expect(l.isUp)
        #expect(l.operstateName == "UNKNOWN")
    }

    @Test func sysfsProbeMakesWifi() {
        let p = InterfaceTypeProbe { $0 == "eth7" }
        #expect(p.type(of: "eth7") == "wifi")
        #expect(p.type(of: "eth8") == "ethernet")
        #expect(p.type(of: "wlp2s0") == "wifi")
        #expect(p.type(of: "wlx001122") == "wifi")
    }

    @Test func addressEvents() {
        var t = Fixture.table()
        #expect(t.apply(.newAddress(Fixture.addr(2, "10.0.0.9", 8))) == [2])
        #expect(t.info(2, probe: probe)?.addresses.count == 2)
        t.apply(.newAddress(Fixture.addr(2, "10.0.0.9", 8)))  // repeated: no duplicate
        #expect(t.info(2, probe: probe)?.addresses.count == 2)
        t.apply(.delAddress(Fixture.addr(2, "192.168.1.5", 24)))
        #expect(t.info(2, probe: probe)?.addresses.map(\.address.description) == ["10.0.0.9"])
    }

    @Test func routeEventsOnlyMainDefault() {
        var t = Fixture.table()
        // Not a default route, and a default route of another table: ignored.
        #expect(t.apply(.newRoute(RouteRecord(dstLength: 24, oif: 2, gateway: IPv4("192.168.1.9")), replace: false)).isEmpty)
        #expect(t.apply(.newRoute(RouteRecord(table: 100, dstLength: 0, oif: 2, gateway: IPv4("192.168.1.9")), replace: false)).isEmpty)
        #expect(t.gateway(of: 2) == IPv4("192.168.1.1"))
        // A lower metric wins.
        t.apply(.newRoute(Fixture.defaultRoute(2, via: "192.168.1.254", metric: 100), replace: false))
        #expect(t.gateway(of: 2) == IPv4("192.168.1.1"))
        t.apply(.delRoute(Fixture.defaultRoute(2, via: "192.168.1.1")))
        #expect(t.gateway(of: 2) == IPv4("192.168.1.254"))
    }

    @Test func routeReplaceMovesTheGateway() {
        var t = Fixture.table()
        // `ip route replace default via 10.0.0.1 dev wlan0`: one NEWROUTE with NLM_F_REPLACE, no DELROUTE.
        let touched = t.apply(.newRoute(Fixture.defaultRoute(3, via: "10.0.0.1"), replace: true))
        #expect(Set(touched) == [2, 3])
        #expect(t.gateway(of: 2) == nil)
        #expect(t.gateway(of: 3) == IPv4("10.0.0.1"))
    }

    @Test func delLinkDropsItsAddressesAndRoutes() {
        var t = Fixture.table()
        #expect(t.apply(.delLink(index: 2)) == [2])
        #expect(t.info(2, probe: probe) == nil)
        #expect(t.addresses[2] == nil)
        #expect(t.defaultRoutes.isEmpty)
        // A new link reusing the index starts clean.
        t.apply(.newLink(Fixture.link(2, "eth5")))
        #expect(t.info(2, probe: probe)?.addresses == [])
        #expect(t.info(2, probe: probe)?.gateway == nil)
    }

    @Test func ipv4Helpers() {
        #expect(IPv4("192.168.1.5")?.network(prefix: 24).description == "192.168.1.0")
        #expect(IPv4.mask(prefix: 20).description == "255.255.240.0")
        #expect(IPv4("255.255.255.0")?.prefixLength == 24)
        #expect(IPv4("255.0.255.0")?.prefixLength == nil)
        #expect(IPv4("1.2.3") == nil)
        #expect(IPv4("1.2.3.256") == nil)
        #expect(IPv4("01.2.3.4000") == nil)
        #expect(MACAddress.normalize("02:AA:bb:0C:dd:01") == "02:aa:bb:0c:dd:01")
        #expect(MACAddress.normalize("02:aa:bb:0c:dd") == nil)
        #expect(MACAddress.normalize("02-aa-bb-0c-dd-01") == nil)
    }
}

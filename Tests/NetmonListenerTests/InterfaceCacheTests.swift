import AgentJSON
import NetmonCache
import Testing

@Suite("Interface cache: discovery replaces, changes update, removals delete")
struct InterfaceCacheTests {
    @Test("network_discovery replaces the whole table, down interfaces included")
    func discoveryReplaces() {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0"), Fixtures.info("eth9")]))
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.0.0.2", 24)]), Fixtures.info("eth1", status: "down")]))
        #expect(cache.sorted.map(\.name) == ["eth0", "eth1"])
        #expect(cache["eth0"]?.addresses.map(\.address) == ["10.0.0.2"])
        #expect(cache["eth1"]?.status == .down)
        #expect(cache["eth9"] == nil)
        #expect(cache.discovered)
    }

    @Test("network_change up replaces the entry")
    func changeUp() {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.0.0.2", 24)])]))
        let deltas = cache.apply(
            type: "network_change", data: Fixtures.info("eth0", addresses: [("192.168.5.7", 24)], gateway: "192.168.5.1"))
        #expect(deltas.count == 1)
        #expect(cache["eth0"]?.addresses.map(\.address) == ["192.168.5.7"])
        #expect(cache["eth0"]?.gateway == "192.168.5.1")
        #expect(deltas.first?.before?.addresses.map(\.address) == ["10.0.0.2"])
    }

    @Test("network_change down keeps the entry, marked down, without addresses or gateway, keeping its MAC and type")
    func changeDown() {
        var cache = InterfaceCache()
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([
                Fixtures.info("wlan0", type: "wifi", mac: "aa:bb:cc:00:11:22", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1")
            ]))
        cache.apply(type: "network_change", data: Fixtures.pythonStub("wlan0", status: "down"))
        let entry = cache["wlan0"]
        #expect(entry?.status == .down)
        #expect(entry?.addresses == [])
        #expect(entry?.gateway == nil)
        #expect(entry?.macAddress == "aa:bb:cc:00:11:22")
        #expect(entry?.type == "wifi")
    }

    @Test("network_change removed deletes the entry (upstream never did)")
    func changeRemoved() {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0"), Fixtures.info("usb0")]))
        let deltas = cache.apply(type: "network_change", data: Fixtures.pythonStub("usb0", status: "removed"))
        #expect(cache["usb0"] == nil)
        #expect(cache.sorted.map(\.name) == ["eth0"])
        #expect(deltas.first?.after == nil)
        #expect(deltas.first?.before?.name == "usb0")
    }

    @Test("a re-sent report that differs only in its timestamp is no change")
    func resendIsNoChange() {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.0.0.2", 24)])]))
        let deltas = cache.apply(
            type: "network_change", data: Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], timestamp: "2026-11-26T07:00:00Z"))
        #expect(deltas.isEmpty)
        #expect(cache["eth0"]?.timestamp == "2026-11-26T07:00:00Z")
    }

    @Test("other events and reports without an interface name leave the table alone")
    func othersIgnored() {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0")]))
        let before = cache
        #expect(cache.apply(type: "dhcp_update", data: ["interface": "eth0", "ip": "10.1.1.1"]).isEmpty)
        #expect(cache.apply(type: "network_change", data: ["status": "removed"]).isEmpty)
        #expect(cache == before)
    }

    @Test("the upstream Python sidecar's shapes: no virtual/mac/status keys")
    func pythonShapes() {
        var cache = InterfaceCache()
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([
                Fixtures.pythonInfo("ens33", addresses: [("192.168.1.5", 24)], gateway: "192.168.1.1"),
                Fixtures.pythonInfo("docker0", addresses: [("172.17.0.1", 16)]),
            ]))
        let ens = cache["ens33"]
        #expect(ens?.status == .up)
        #expect(ens?.isVirtual == false)
        #expect(ens?.macAddress == nil)
        #expect(ens?.addresses.first?.subnet == "192.168.1.0/24")
        #expect(cache["docker0"]?.isVirtual == true)
        cache.apply(type: "network_change", data: Fixtures.pythonStub("ens33", status: "removed"))
        #expect(cache["ens33"] == nil)
    }

    @Test("an interface entry round-trips through its InterfaceInfo JSON")
    func jsonRoundTrip() throws {
        let info = Fixtures.info("eth0", mac: "02:aa:bb:cc:dd:ee", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1")
        let entry = try #require(InterfaceEntry(info: info))
        #expect(entry.json == info)
        #expect(InterfaceEntry(info: entry.json) == entry)
    }

    @Test("address items given as strings or without a network are completed")
    func addressForms() {
        #expect(IPv4Assignment(json: "10.1.2.3/16")?.subnet == "10.1.0.0/16")
        #expect(IPv4Assignment(json: "10.1.2.3")?.prefixLength == 32)
        #expect(IPv4Assignment(json: ["address": "172.16.5.9", "prefixlen": 12])?.networkAddress == "172.16.0.0")
        #expect(IPv4Assignment(json: "not-an-ip") == nil)
        #expect(IPv4Assignment(json: 5) == nil)
    }
}

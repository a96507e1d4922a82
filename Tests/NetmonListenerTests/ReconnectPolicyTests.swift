import AgentJSON
import NetmonCache
import Testing

@Suite("Reconnect decision: which interface changes should nudge the transport")
struct ReconnectPolicyTests {
    /// A cache after a first discovery of eth0 (10.0.0.2/24 via 10.0.0.1) and eth1 (no IPv4).
    static func discovered() -> InterfaceCache {
        var cache = InterfaceCache()
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([
                Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1"), Fixtures.info("eth1"),
            ]))
        return cache
    }

    static func decide(_ type: String, _ data: JSONObject, in cache: InterfaceCache = discovered()) -> Bool {
        var cache = cache
        return ReconnectPolicy.warrantsReconnect(cache.apply(type: type, data: data))
    }

    @Test("the first discovery after start-up is not a change")
    func firstDiscovery() {
        var cache = InterfaceCache()
        let deltas = cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1")]))
        #expect(deltas.count == 1)
        #expect(!ReconnectPolicy.warrantsReconnect(deltas))
    }

    @Test("an up interface's new address or new gateway warrants a reconnect")
    func addressOrGatewayChanged() {
        #expect(Self.decide("network_change", Fixtures.info("eth0", addresses: [("10.0.5.9", 24)], gateway: "10.0.0.1")))
        #expect(Self.decide("network_change", Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.254")))
        #expect(Self.decide("network_change", Fixtures.info("eth1", addresses: [("172.20.0.3", 24)])))
    }

    @Test("an interface appearing or coming up with a default gateway warrants a reconnect")
    func gatewayAppeared() {
        #expect(Self.decide("network_change", Fixtures.info("wlan0", type: "wifi", addresses: [("10.7.0.3", 24)], gateway: "10.7.0.1")))
        var cache = Self.discovered()
        cache.apply(type: "network_change", data: Fixtures.pythonStub("eth0", status: "down"))
        #expect(Self.decide("network_change", Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1"), in: cache))
    }

    @Test("a new interface without a gateway, a down or removed interface, a re-send, a virtual interface: no reconnect")
    func noReconnect() {
        #expect(!Self.decide("network_change", Fixtures.info("eth7", addresses: [("192.168.50.2", 24)])))
        #expect(!Self.decide("network_change", Fixtures.pythonStub("eth0", status: "down")))
        #expect(!Self.decide("network_change", Fixtures.pythonStub("eth0", status: "removed")))
        #expect(
            !Self.decide(
                "network_change",
                Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1", timestamp: "2026-11-26T08:00:00Z")))
        #expect(
            !Self.decide(
                "network_change", Fixtures.info("veth9f", virtual: true, addresses: [("172.18.0.1", 16)], gateway: "172.18.0.254")))
        #expect(!Self.decide("dhcp_update", ["container_name": "plc1", "ip": "10.0.0.77"]))
    }

    @Test("a rediscovery after a sidecar reconnect that shows a moved network warrants a reconnect")
    func rediscovery() {
        #expect(
            Self.decide(
                "network_discovery",
                Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.3.3.3", 24)], gateway: "10.3.3.1"), Fixtures.info("eth1")])))
        #expect(
            !Self.decide(
                "network_discovery",
                Fixtures.discovery([Fixtures.info("eth0", addresses: [("10.0.0.2", 24)], gateway: "10.0.0.1"), Fixtures.info("eth1")])))
    }
}

import AgentJSON
import NetmonCache
import Testing

@Suite("get_host_interfaces answer (spec §2.6)")
struct HostInterfacesReportTests {
    static func cache() -> InterfaceCache {
        var cache = InterfaceCache()
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([
                Fixtures.info("wlan0", type: "wifi", mac: "02:00:00:00:00:0a", addresses: [("10.9.0.4", 24)]),
                Fixtures.info(
                    "eth0", mac: "02:00:00:00:00:01", addresses: [("127.0.0.5", 8), ("192.168.1.5", 24)], gateway: "192.168.1.1"),
                Fixtures.info("eth1", mac: "02:00:00:00:00:02"),
                Fixtures.info("veth12ab", virtual: true, addresses: [("172.18.0.1", 16)]),
                Fixtures.info("lo", virtual: true, mac: nil, addresses: [("127.0.0.1", 8)]),
            ]))
        return cache
    }

    /// The `interfaces` objects of an answer (empty when missing).
    static func items(_ answer: JSONObject) -> [JSONObject] {
        (answer["interfaces"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test("sorted by name, virtual interfaces left out, MACs filled, subnet/gateway when detailed")
    func defaults() throws {
        let answer = try HostInterfacesReport.build(from: Self.cache(), options: .init())
        #expect(answer["status"] == "success")
        let items = Self.items(answer)
        try #require(items.count == 3)
        #expect(items.map { $0["name"]?.stringValue } == ["eth0", "eth1", "wlan0"])
        #expect(
            items[0]
                == [
                    "name": "eth0", "ip_address": "192.168.1.5", "ipv4_addresses": ["127.0.0.5", "192.168.1.5"],
                    "mac_address": "02:00:00:00:00:01", "subnet": "127.0.0.0/8", "gateway": "192.168.1.1",
                ])
        #expect(items[0].keys == ["name", "ip_address", "ipv4_addresses", "mac_address", "subnet", "gateway"])
        #expect(
            items[1]
                == [
                    "name": "eth1", "ip_address": nil, "ipv4_addresses": [], "mac_address": "02:00:00:00:00:02", "subnet": nil,
                    "gateway": nil, "dedicated_only": true,
                ])
        // A wifi without IPv4 would not be dedicated_only; this one has an address anyway.
        #expect(items[2]["dedicated_only"] == nil)
        #expect(items[2]["gateway"] == .null)
    }

    @Test("include_virtual lists virtual interfaces; detailed false drops subnet and gateway")
    func options() throws {
        let answer = try HostInterfacesReport.build(
            from: Self.cache(), options: .init(message: ["include_virtual": true, "detailed": false]))
        let items = Self.items(answer)
        try #require(items.count == 5)
        #expect(items.map { $0["name"]?.stringValue } == ["eth0", "eth1", "lo", "veth12ab", "wlan0"])
        #expect(items.allSatisfy { $0["subnet"] == nil && $0["gateway"] == nil })
        #expect(items[2]["ip_address"] == .null)  // lo: only 127.x
        #expect(items[2]["mac_address"] == .null)
    }

    @Test("options default like upstream: include_virtual false, detailed true (null means default)")
    func optionDefaults() {
        #expect(HostInterfacesReport.Options(message: [:]) == .init(includeVirtual: false, detailed: true))
        #expect(
            HostInterfacesReport.Options(message: ["include_virtual": nil, "detailed": nil])
                == .init(includeVirtual: false, detailed: true))
    }

    @Test("a wifi interface without IPv4 is not dedicated_only; a down ethernet is")
    func dedicatedOnly() throws {
        var cache = InterfaceCache()
        cache.apply(
            type: "network_discovery",
            data: Fixtures.discovery([Fixtures.info("wlan1", type: "wifi"), Fixtures.info("eth3", status: "down")]))
        let items = Self.items(try HostInterfacesReport.build(from: cache, options: .init()))
        #expect(items.first { $0["name"] == "eth3" }?["dedicated_only"] == true)
        #expect(items.first { $0["name"] == "wlan1" }?["dedicated_only"] == nil)
    }

    @Test("an empty cache is the upstream error, verbatim")
    func emptyCache() {
        #expect(throws: NetmonCacheError(.cacheEmpty, "")) {
            try HostInterfacesReport.build(from: InterfaceCache(), options: .init())
        }
        do {
            _ = try HostInterfacesReport.build(from: InterfaceCache(), options: .init())
        } catch {
            #expect(error.code.rawValue == "interface_cache_empty")
            #expect(
                error.message
                    == "Network interface cache is empty. The netmon sidecar may not be running or has not yet discovered interfaces."
            )
        }
    }

    @Test("a cache with only virtual interfaces answers success with an empty list")
    func onlyVirtual() throws {
        var cache = InterfaceCache()
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.pythonInfo("docker0")]))
        let answer = try HostInterfacesReport.build(from: cache, options: .init())
        #expect(answer == ["status": "success", "interfaces": []])
    }
}

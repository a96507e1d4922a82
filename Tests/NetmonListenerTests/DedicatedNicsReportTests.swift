import AgentJSON
import NetmonCache
import Testing

@Suite("get_host_interfaces: dedicated NICs (spec §2.6)")
struct DedicatedNicsReportTests {
    static func nics(_ pairs: [(String, String)]) -> JSONObject {
        ["nics": .array(pairs.map { ["interface": .string($0.0), "container_name": .string($0.1), "container_pid": 42] })]
    }

    @Test("a NIC on the host carries dedicated_to; one moved into a vPLC is appended with empty addresses, sorted in")
    func dedicatedTo() throws {
        var cache = HostInterfacesReportTests.cache()
        #expect(cache.apply(type: "dedicated_nics", data: Self.nics([("eth1", "plc-a"), ("ecat0", "plc-b")])).isEmpty)
        let items = HostInterfacesReportTests.items(try HostInterfacesReport.build(from: cache, options: .init()))
        #expect(items.map { $0["name"]?.stringValue } == ["ecat0", "eth0", "eth1", "wlan0"])
        #expect(
            items[0] == ["name": "ecat0", "ip_address": .null, "ipv4_addresses": [], "mac_address": .null, "subnet": .null, "gateway": .null, "dedicated_to": "plc-b"])
        #expect(items[2]["dedicated_to"] == "plc-a")
        #expect(items[1]["dedicated_to"] == nil && items[3]["dedicated_to"] == nil)
        let brief = HostInterfacesReportTests.items(try HostInterfacesReport.build(from: cache, options: .init(detailed: false)))
        #expect(brief[0].keys == ["name", "ip_address", "ipv4_addresses", "mac_address", "dedicated_to"])
    }

    @Test("a new discovery (a reconnect) forgets the table until the sidecar sends it again; an empty event clears it")
    func reset() throws {
        var cache = HostInterfacesReportTests.cache()
        cache.apply(type: "dedicated_nics", data: Self.nics([("ecat0", "plc-b")]))
        #expect(cache.dedicated == ["ecat0": "plc-b"])
        cache.apply(type: "network_discovery", data: Fixtures.discovery([Fixtures.info("eth0")]))
        #expect(cache.dedicated.isEmpty)
        cache.apply(type: "dedicated_nics", data: Self.nics([("ecat0", "plc-b")]))
        cache.apply(type: "dedicated_nics", data: ["nics": []])
        #expect(cache.dedicated.isEmpty)
        #expect(HostInterfacesReportTests.items(try HostInterfacesReport.build(from: cache, options: .init())).count == 1)
    }
}
